#!/usr/bin/env bash
# Installs the directory servers the LDAP integration tests start themselves:
# OpenLDAP slapd (+ ldap-utils, openssl) and Samba as an AD DC (samba-ad-dc, samba-ad-provision);
# iproute2 for `ss`, with which the tests and the benchmark count authgate's LDAP connections.
# For root on Debian bookworm with a reachable Debian mirror. Idempotent; starts no daemon.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-directory-servers.sh: run as root" >&2; exit 1; fi
PACKAGES=(openssl ldap-utils slapd samba-ad-dc samba-ad-provision iproute2)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} = 0 ]]; then echo "directory servers already installed"; exit 0; fi

# 1. package postinsts must not start daemons (they would bind 0.0.0.0; nmbd broadcasts)
created_policy=0
if [[ ! -x /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
# 2. no debconf-made /etc/ldap database for slapd: the tests use their own cn=config
echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# 3. hosts without policy-rc.d/systemd: stop anything an init script started anyway
for s in slapd smbd nmbd winbind samba-ad-dc; do
  if [[ -x /etc/init.d/$s ]]; then /etc/init.d/$s stop >/dev/null 2>&1 || true; fi
done
[[ $created_policy = 1 ]] && echo "note: left /usr/sbin/policy-rc.d in place (daemons are never started by packages)"
echo "installed: ${missing[*]}"
