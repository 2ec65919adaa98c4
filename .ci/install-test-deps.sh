#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (as root, idempotent, starts no daemon):
# the directory servers (slapd, Samba AD DC) and openssl. The tests start and stop every
# server themselves on loopback.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then
  # Debian packages need root: re-run through sudo when there is one.
  if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
  echo "install-test-deps.sh: run as root (apt-get installs the test servers)" >&2; exit 1
fi
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/install-directory-servers.sh"
bash "$HERE/install-redis.sh"
bash "$HERE/install-helm.sh"
bash "$HERE/install-systemd-tools.sh"
bash "$HERE/install-browser-test-deps.sh"
bash "$HERE/install-bench-deps.sh"
bash "$HERE/install-router-deps.sh"
bash "$HERE/install-transport-test-deps.sh"
