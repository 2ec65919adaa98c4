#!/usr/bin/env bash
# Installs the Debian packages the benchmark harness (bench/) starts itself: nginx, Apache httpd
# (event MPM, mod_proxy, mod_ssl, mod_ldap/mod_authnz_ldap are part of apache2), wrk and
# util-linux (taskset). As root, idempotent; starts no daemon, and stops/disables any that a
# package started anyway. The harness runs every server on loopback from its own config.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-bench-deps.sh: run as root" >&2; exit 1; fi
PACKAGES=(nginx apache2 wrk util-linux openssl)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} = 0 ]]; then echo "benchmark servers already installed"; exit 0; fi

created_policy=0
if [[ ! -x /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Hosts without policy-rc.d/systemd: stop and disable anything an init script started anyway.
for s in nginx apache2 apache-htcacheclean; do
  if [[ -x /etc/init.d/$s ]]; then /etc/init.d/$s stop >/dev/null 2>&1 || true; fi
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then systemctl disable --now "$s" >/dev/null 2>&1 || true; fi
  if command -v update-rc.d >/dev/null; then update-rc.d "$s" disable >/dev/null 2>&1 || true; fi
done
[[ $created_policy = 1 ]] && echo "note: left /usr/sbin/policy-rc.d in place (daemons are never started by packages)"
echo "installed: ${missing[*]}"
