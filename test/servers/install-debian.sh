#!/usr/bin/env bash
# Installs slapd, ldap-utils, openssl and Samba AD DC for the LDAP integration tests.
# The real script is the CI one; this name is kept next to the server scripts for humans.
exec "$(cd "$(dirname "$0")/../.." && pwd)/.ci/install-directory-servers.sh" "$@"
