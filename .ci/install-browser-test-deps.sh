#!/usr/bin/env bash
# Installs the Debian packages the end-to-end browser tests need (as root, idempotent, starts
# no daemon): Chromium (driven by playwright-core; no browser is downloaded), R with the Shiny
# package (the real upstream app), and a font so screenshots show readable text.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-browser-test-deps.sh: run as root" >&2; exit 1; fi
packages=(chromium r-cran-shiny fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} = 0 ]]; then echo "browser test packages already installed"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
