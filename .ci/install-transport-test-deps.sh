#!/usr/bin/env bash
# Installs the command-line clients the transport security tests drive authgate with (as root,
# idempotent): curl (a libcurl client sending Expect: 100-continue, as R's curl/httr and
# rsconnect do) and openssl (s_client: TLS 1.2 cipher offers and renegotiation).
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-transport-test-deps.sh: run as root" >&2; exit 1; fi
PACKAGES=(curl openssl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} = 0 ]]; then echo "already installed: ${PACKAGES[*]}"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
