#!/usr/bin/env bash
# Throwaway OpenLDAP (Debian slapd 2.5) for tests: own cn=config in a temp dir,
# mdb + memberof + refint, TLS (ldaps + StartTLS) with a self-signed CA.
# Needs: apt-get install slapd ldap-utils openssl. Root NOT required (ports > 1024).
# Env: SLAPD_BASE (work dir), LDAP_PORT (3389), LDAPS_PORT (6636), SLAPD_LOGLEVEL (0 / stats / -1)
#      SLAPD_RESTART=1: start again on the existing SLAPD_BASE (config, data, TLS kept; stop with KEEP=1 first)
# Adapted for authgate's tests from the team's reference scripts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${SLAPD_BASE:-$HERE/run}
LDAP_PORT=${LDAP_PORT:-3389}
LDAPS_PORT=${LDAPS_PORT:-6636}
LOGLEVEL=${SLAPD_LOGLEVEL:-0}
# memberOf provider: "memberof" (overlay, stored, direct groups only) or "dynlist" (computed, nested)
MEMBEROF=${SLAPD_MEMBEROF:-memberof}
SUFFIX="dc=example,dc=com"
ADMIN_DN="cn=admin,$SUFFIX"; ADMIN_PW=${ADMIN_PW:-adminpw}
SVC_DN="uid=svc-app,ou=Services,$SUFFIX"; SVC_PW=${SVC_PW:-svcpw}
USER_PW=${USER_PW:-Passw0rd!}
SLAPD=${SLAPD:-/usr/sbin/slapd}; SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
MODDIR=${SLAPD_MODULEPATH:-/usr/lib/ldap}; SCHEMADIR=${SLAPD_SCHEMADIR:-/etc/ldap/schema}

t0=$(date +%s.%N)
# refuse to clobber a running instance
if [[ -f $BASE/slapd.pid ]] && kill -0 "$(cat "$BASE/slapd.pid")" 2>/dev/null; then
  echo "slapd already running (pid $(cat "$BASE/slapd.pid"))" >&2; exit 1; fi
LDAPI_URL="ldapi://$(printf '%s' "$BASE/ldapi" | sed 's,/,%2F,g')"
if [[ ${SLAPD_RESTART:-0} = 1 && -d $BASE/slapd.d && -d $BASE/db ]]; then
  RESTART=1
else
RESTART=0
rm -rf "$BASE"; mkdir -p "$BASE"/{slapd.d,db,tls}; chmod 700 "$BASE"

# ---- TLS: self-signed CA + server cert, EC P-256 (instant keygen; RSA 2048 costs 0.2-0.4 s each) ----
cd "$BASE/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 -subj "/CN=Test LDAP CA" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,DNS:$(hostname),IP:127.0.0.1,IP:::1" > server.ext
# (libldap replaces "localhost" by the local hostname before checking the cert, hence DNS:$(hostname))
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile server.ext -out server.crt 2>/dev/null
chmod 600 ca.key server.key
cd "$BASE"

hash() { /usr/sbin/slappasswd -h '{SSHA}' -s "$1"; }
ADMIN_HASH=$(hash "$ADMIN_PW"); SVC_HASH=$(hash "$SVC_PW"); USER_HASH=$(hash "$USER_PW")
# identity of whoever runs this script, for ldapi:// SASL EXTERNAL admin access to cn=config
PEER="gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth"

# ---- cn=config (loaded offline with slapadd -n0) ----
cat > config.ldif <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $BASE/slapd.pid
olcArgsFile: $BASE/slapd.args
olcLogLevel: $LOGLEVEL
olcTLSCACertificateFile: $BASE/tls/ca.crt
olcTLSCertificateFile: $BASE/tls/server.crt
olcTLSCertificateKeyFile: $BASE/tls/server.key
olcTLSVerifyClient: never

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $MODDIR
olcModuleLoad: back_mdb
olcModuleLoad: $MEMBEROF
olcModuleLoad: refint

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://$SCHEMADIR/core.ldif
include: file://$SCHEMADIR/cosine.ldif
include: file://$SCHEMADIR/inetorgperson.ldif
include: file://$SCHEMADIR/nis.ldif
include: file://$SCHEMADIR/dyngroup.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 1000

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=$PEER manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcDbDirectory: $BASE/db
olcDbMaxSize: 104857600
olcDbNoSync: TRUE
olcRootDN: $ADMIN_DN
olcRootPW: $ADMIN_HASH
olcDbIndex: objectClass eq
olcDbIndex: uid,mail,cn eq,sub
olcDbIndex: member,memberOf eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by dn.exact="$SVC_DN" read by self read by users search by * none

$(if [[ $MEMBEROF = dynlist ]]; then cat <<EOD
dn: olcOverlay={0}dynlist,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcDynListConfig
olcOverlay: {0}dynlist
olcDynListAttrSet: {0}groupOfURLs memberURL member+memberOf@groupOfNames*
EOD
else cat <<EOD
dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfDangling: ignore
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
EOD
fi)

dn: olcOverlay={1}refint,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {1}refint
olcRefintAttribute: memberof
olcRefintAttribute: member
olcRefintAttribute: manager
olcRefintAttribute: owner
olcRefintNothing: cn=nobody,$SUFFIX
EOF
"$SLAPADD" -n0 -F "$BASE/slapd.d" -l config.ldif >/dev/null

# ---- directory data (loaded ONLINE with ldapadd so memberof overlay fills memberOf) ----
{
cat <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example Inc

dn: ou=Users,$SUFFIX
objectClass: organizationalUnit
ou: Users

dn: ou=Groups,$SUFFIX
objectClass: organizationalUnit
ou: Groups

dn: ou=Services,$SUFFIX
objectClass: organizationalUnit
ou: Services

dn: $SVC_DN
objectClass: account
objectClass: simpleSecurityObject
uid: svc-app
description: service account used by the application to search
userPassword: $SVC_HASH

EOF
for u in "alice Alice Anderson publisher" "bob Bob Brown viewer" "carol Carol Clark administrator" "dave Dave Davis -" "eve Eve Evans -" "zoë Zoë Zimmer - zoe"; do
  set -- $u
  cat <<EOF
dn: uid=$1,ou=Users,$SUFFIX
objectClass: inetOrgPerson
uid: $1
cn: $2 $3
givenName: $2
sn: $3
displayName: $2 $3
mail: ${5:-$1}@example.com
userPassword: $USER_HASH
$( if [[ $4 != - ]]; then echo "employeeType: $4"; else echo "description: no role attribute"; fi )

EOF
done
# child groups first, then the parent containing a group (nested)
cat <<EOF
dn: cn=Engineering,ou=Groups,$SUFFIX
objectClass: groupOfNames
cn: Engineering
member: uid=alice,ou=Users,$SUFFIX
member: uid=bob,ou=Users,$SUFFIX

dn: cn=Admins,ou=Groups,$SUFFIX
objectClass: groupOfNames
cn: Admins
member: uid=carol,ou=Users,$SUFFIX

dn: cn=Staff,ou=Groups,$SUFFIX
objectClass: groupOfNames
cn: Staff
description: parent group: contains group Engineering (nested) and dave
member: cn=Engineering,ou=Groups,$SUFFIX
member: uid=dave,ou=Users,$SUFFIX

dn: cn=Everyone,ou=Groups,$SUFFIX
objectClass: groupOfNames
cn: Everyone
description: grandparent: contains group Staff (two levels of nesting)
member: cn=Staff,ou=Groups,$SUFFIX
EOF
} > data.ldif
fi   # end of first-start setup
cd "$BASE"

# ---- start: foreground mode (-d) in background, own session, logs to file ----
setsid "$SLAPD" -d "$LOGLEVEL" -F "$BASE/slapd.d" \
  -h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/ $LDAPI_URL" \
  >"$BASE/slapd.log" 2>&1 </dev/null &
echo $! > "$BASE/slapd.pid"      # same pid slapd writes itself (it does not fork with -d)
t_spawn=$(date +%s.%N)
for i in $(seq 1 200); do   # up to ~10 s
  if ldapwhoami -x -H "ldap://127.0.0.1:$LDAP_PORT" >/dev/null 2>&1; then break; fi
  kill -0 "$(cat "$BASE/slapd.pid")" 2>/dev/null || { echo "slapd died:" >&2; cat "$BASE/slapd.log" >&2; exit 1; }
  sleep 0.05
done
t_ready=$(date +%s.%N)
[[ $RESTART = 1 ]] || ldapadd -x -H "$LDAPI_URL" -D "$ADMIN_DN" -w "$ADMIN_PW" -f data.ldif >/dev/null
t_loaded=$(date +%s.%N)
cat > env.sh <<EOF
export LDAP_URL=ldap://127.0.0.1:$LDAP_PORT LDAPS_URL=ldaps://127.0.0.1:$LDAPS_PORT LDAPI_URL='$LDAPI_URL'
export LDAP_BASE_DN='$SUFFIX' LDAP_ADMIN_DN='$ADMIN_DN' LDAP_ADMIN_PW='$ADMIN_PW'
export LDAP_BIND_DN='$SVC_DN' LDAP_BIND_PW='$SVC_PW' LDAP_USER_PW='$USER_PW'
export LDAPTLS_CACERT='$BASE/tls/ca.crt'
EOF
awk -v p="$(cat "$BASE/slapd.pid")" -v a="$t0" -v b="$t_spawn" -v c="$t_ready" -v d="$t_loaded" 'BEGIN{
  printf "slapd pid %s ready: setup %.3fs, spawn->ready %.3fs, data load %.3fs, total %.3fs\n", p, b-a, c-b, d-c, d-a}'
echo "source $BASE/env.sh for connection settings"
