#!/usr/bin/env bash
# Installs the Debian tools that check the files under deploy/ (as root, idempotent):
# systemd for `systemd-analyze verify`, `systemd-sysusers --root` and `systemd-tmpfiles --root`,
# logrotate for `logrotate --debug`. Nothing is started: the tests only run these checkers,
# against copies in temporary directories; no systemd runs in CI.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v logrotate >/dev/null 2>&1 || need+=(logrotate)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
