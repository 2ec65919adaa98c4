#!/usr/bin/env bash
# Installs the real routers test/security/differential-routers.test.ts puts behind authgate (as
# root, idempotent, starts no daemon): Flask/werkzeug for Python and R's httpuv (r-cran-shiny,
# installed for the browser tests, pulls it in too; named here so the test does not depend on
# that). The Go router is compiled by the test with the Go toolchain at /usr/local/go/bin/go
# (or `go` on PATH); Express comes from npm (devDependencies).
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-router-deps.sh: run as root" >&2; exit 1; fi
packages=(python3-flask r-cran-httpuv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} = 0 ]]; then echo "router packages already installed"; else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
fi
if ! command -v go >/dev/null && [[ ! -x /usr/local/go/bin/go ]]; then
  echo "note: no Go toolchain found; the differential router test needs Go (https://go.dev/dl/, installed at /usr/local/go)" >&2
fi
