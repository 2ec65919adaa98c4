#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (as root, idempotent, starts no daemon):
# the directory servers (slapd, Samba AD DC) and openssl. The tests start and stop every
# server themselves on loopback.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/install-directory-servers.sh"
bash "$HERE/install-redis.sh"
bash "$HERE/install-helm.sh"
bash "$HERE/install-systemd-tools.sh"
bash "$HERE/install-browser-test-deps.sh"
