#!/usr/bin/env bash
# Installs Debian's redis-server for the Redis integration tests (as root, idempotent). The
# tests start their own redis-server on a free loopback port; the packaged service is never
# started (policy-rc.d refuses it, and it is stopped if an init script started it anyway).
set -euo pipefail
if [[ $(id -u) != 0 ]]; then echo "install-redis.sh: run as root" >&2; exit 1; fi
if dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q 'install ok installed'; then echo "redis-server already installed"; exit 0; fi
created_policy=0
if [[ ! -x /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if [[ -x /etc/init.d/redis-server ]]; then /etc/init.d/redis-server stop >/dev/null 2>&1 || true; fi
[[ $created_policy = 1 ]] && echo "note: left /usr/sbin/policy-rc.d in place (daemons are never started by packages)"
echo "installed: redis-server"
