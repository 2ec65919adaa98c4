#!/usr/bin/env bash
# Throwaway Samba AD DC (Debian samba 4.17) for LDAP tests, everything under $SAMBA_BASE,
# listening on 127.0.0.1 only: LDAP 389, LDAPS 636 (+ GC 3268/3269). Ports are hard-coded in Samba.
# Needs root (ports < 1024, and provision writes security.* xattrs / POSIX ACLs on sysvol).
# Needs: apt-get install --no-install-recommends samba-ad-dc samba-ad-provision ldap-utils openssl
# Env: SAMBA_BASE, STRONG_AUTH (yes = AD default: simple bind only over TLS; no = allow plain)
#      SAMBA_TEMPLATE (dir: reuse a cached provision instead of re-provisioning, see below)
#      SAMBA_PROVISION_ONLY=1: provision and create the test data, then exit without starting
#        (copy $SAMBA_BASE aside as a template while samba is stopped)
# Adapted for authgate's tests from the team's reference scripts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${SAMBA_BASE:-$HERE/run}
REALM=EXAMPLE.COM; DOMAIN=EXAMPLE; BASEDN="DC=example,DC=com"
ADMIN_PW=${ADMIN_PW:-'Adm1nPass!'}; USER_PW=${USER_PW:-'Passw0rd!'}; SVC_PW=${SVC_PW:-'Svc-Passw0rd!'}
STRONG_AUTH=${STRONG_AUTH:-yes}
CONF=$BASE/etc/smb.conf
now() { date +%s.%N; }
t0=$(now)

if [[ -f $BASE/run/samba.pid ]] && kill -0 "$(cat "$BASE/run/samba.pid")" 2>/dev/null; then
  echo "samba already running (pid $(cat "$BASE/run/samba.pid"))" >&2; exit 1; fi

if [[ -n ${SAMBA_TEMPLATE:-} && -f ${SAMBA_TEMPLATE}/etc/smb.conf ]]; then
  # fast path: a previous provision (+ users) copied aside while samba was stopped; same BASE path!
  rm -rf "$BASE"; cp -a "$SAMBA_TEMPLATE" "$BASE"; t_prov=$(now); t_users=$t_prov
else
rm -rf "$BASE"; mkdir -p "$BASE"/{etc,run,log,tls}

# ---- TLS: own CA + server cert (SAN 127.0.0.1, localhost, dc1.example.com) ----
( cd "$BASE/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \
    -subj "/CN=Test Samba CA" -keyout ca.key -out ca.pem 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "/CN=dc1.example.com" \
    -keyout key.pem -out server.csr 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:dc1.example.com,DNS:localhost,DNS:$(hostname),IP:127.0.0.1,IP:::1" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 \
    -extfile server.ext -out cert.pem 2>/dev/null
  chmod 600 key.pem ca.key )        # samba refuses a key file that is not mode 0600

# ---- provision (all state under $BASE; no DNS server, only the ldap service) ----
samba-tool domain provision --targetdir="$BASE" --realm=$REALM --domain=$DOMAIN \
  --server-role=dc --dns-backend=NONE --use-rfc2307 --host-name=dc1 --host-ip=127.0.0.1 \
  --adminpass="$ADMIN_PW" \
  --option="interfaces = 127.0.0.1" --option="bind interfaces only = yes" \
  --option="server services = ldap" \
  --option="pid directory = $BASE/run" --option="ncalrpc dir = $BASE/run/ncalrpc" \
  --option="winbindd socket directory = $BASE/run/winbindd" \
  --option="ntp signd socket directory = $BASE/run/ntp_signd" \
  --option="log file = $BASE/log/log.%m" --option="log level = 1" \
  --option="tls enabled = yes" --option="tls keyfile = $BASE/tls/key.pem" \
  --option="tls certfile = $BASE/tls/cert.pem" --option="tls cafile = $BASE/tls/ca.pem" \
  > "$BASE/log/provision.log" 2>&1 || { tail -30 "$BASE/log/provision.log" >&2; exit 1; }
# provision silently drops --option="ldap server require strong auth = ..." from the smb.conf it writes
sed -i "/^\[global\]/a\\\tldap server require strong auth = $STRONG_AUTH" "$CONF"
t_prov=$(now)

# ---- test data, offline (samba-tool writes sam.ldb directly; works with samba running too) ----
st() { samba-tool "$@" -s "$CONF" >>"$BASE/log/samba-tool.log" 2>&1 || { echo "samba-tool $* failed" >&2; tail "$BASE/log/samba-tool.log" >&2; exit 1; }; }
st domain passwordsettings set --complexity=off --history-length=0 --min-pwd-age=0 --max-pwd-age=0
st user create svc-app "$SVC_PW" --description="service account for LDAP searches"
st user setexpiry svc-app --noexpiry
for u in "alice Alice Anderson" "bob Bob Brown" "carol Carol Clark" "dave Dave Davis" "eve Eve Evans"; do
  set -- $u
  st user create "$1" "$USER_PW" --given-name="$2" --surname="$3" --mail-address="$1@example.com"
done
st group add Engineering; st group add Admins; st group add Staff --description="parent: contains Engineering"
st group addmembers Engineering alice,bob
st group addmembers Admins carol
st group addmembers Staff Engineering,dave          # nested group
st group add Everyone --description="grandparent: contains Staff"
st group addmembers Everyone Staff
st user create frank "$USER_PW" --given-name=Frank --surname=Fischer --mail-address=frank@example.com
st user disable frank                                # disabled account
t_users=$(now)
fi
if [[ ${SAMBA_PROVISION_ONLY:-0} = 1 ]]; then
  awk -v a=$t0 -v b=$t_prov -v c=$t_users 'BEGIN{printf "samba provisioned (not started): provision %.2fs, users/groups %.2fs\n", b-a, c-b}'
  exit 0
fi

# ---- start: foreground, single process, own session; --maximum-runtime as a safety net ----
setsid samba -F --no-process-group -M single -s "$CONF" --debug-stdout -d 1 \
  --maximum-runtime="${SAMBA_MAX_RUNTIME:-3600}" >"$BASE/log/samba.out" 2>&1 </dev/null &
SPID=$!
echo $SPID > "$BASE/run/samba.launcher.pid"
export LDAPTLS_CACERT=$BASE/tls/ca.pem
for i in $(seq 1 600); do   # up to ~30 s
  if ldapsearch -x -LLL -H ldap://127.0.0.1 -s base -b "" dnsHostName >/dev/null 2>&1; then break; fi
  kill -0 $SPID 2>/dev/null || { echo "samba died:" >&2; tail -30 "$BASE/log/samba.out" >&2; exit 1; }
  sleep 0.05
done
t_ready=$(now)
cat > "$BASE/env.sh" <<EOF
export LDAP_URL=ldap://127.0.0.1:389 LDAPS_URL=ldaps://127.0.0.1:636 LDAP_BASE_DN='$BASEDN'
export LDAP_ADMIN_DN='Administrator@$REALM' LDAP_ADMIN_PW='$ADMIN_PW'
export LDAP_BIND_DN='svc-app@$REALM' LDAP_BIND_PW='$SVC_PW' LDAP_USER_PW='$USER_PW'
export LDAPTLS_CACERT='$BASE/tls/ca.pem'
EOF
awk -v p=$SPID -v a=$t0 -v b=$t_prov -v c=$t_users -v d=$t_ready 'BEGIN{
  printf "samba pid %s ready: provision %.2fs, users/groups %.2fs, start->ready %.2fs, total %.2fs\n", p, b-a, c-b, d-c, d-a}'
echo "source $BASE/env.sh for connection settings"
