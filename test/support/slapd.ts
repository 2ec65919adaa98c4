/**
 * A throwaway OpenLDAP slapd for integration tests (test/servers/slapd/start.sh): own
 * cn=config and data in a unique directory under os.tmpdir(), on two free high ports,
 * TLS with its own CA. Starts in well under a second. Root is not needed.
 *
 * Data: dc=example,dc=com; users alice, bob, carol, dave, eve, zoë (password userPw) under
 * ou=Users; groups Engineering (alice, bob), Admins (carol), Staff (Engineering, dave),
 * Everyone (Staff) under ou=Groups; service account uid=svc-app,ou=Services.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { endpointsFromEnv, freePort, parseEnvFile, requireBinaries, run, SERVERS_DIR, type DirectoryEndpoints } from './directory-tools.ts';

export interface SlapdOptions {
  /** memberof: stored memberOf of direct groups (overlay); dynlist: computed memberOf including nested groups. */
  memberOf?: 'memberof' | 'dynlist';
}

export interface Slapd extends DirectoryEndpoints {
  base: string;
  ldapPort: number;
  adminDN: string;
  adminPassword: string;
  /** Applies LDIF changes as the directory manager (ldapmodify over ldapi://). */
  modify(ldif: string): Promise<void>;
  add(ldif: string): Promise<void>;
  /** Applies LDIF changes to cn=config (SASL EXTERNAL over ldapi:// as the user who started slapd). */
  modifyConfig(ldif: string): Promise<void>;
  /** Stops and starts again with the same data, ports and certificates. */
  restart(): Promise<void>;
  stopOnly(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  await requireBinaries('OpenLDAP', ['slapd', 'slapadd', 'slappasswd', 'ldapadd', 'ldapmodify', 'ldapwhoami', 'openssl']);
  const base = await mkdtemp(path.join(os.tmpdir(), 'authgate-slapd-'));
  const script = path.join(SERVERS_DIR, 'slapd');
  // freePort() only finds a port free at that moment: a test running beside this one can take it
  // before slapd binds, and slapd then exits at once ("slapd died"). Such a start is tried again on
  // new ports (three tries at most); any other failure is reported at once.
  let ldapPort = 0;
  let env = { SLAPD_BASE: '', LDAP_PORT: '', LDAPS_PORT: '', SLAPD_MEMBEROF: '' };
  for (let attempt = 1; ; attempt++) {
    ldapPort = await freePort();
    env = {
      SLAPD_BASE: path.join(base, `run-${attempt}`),
      LDAP_PORT: String(ldapPort),
      LDAPS_PORT: String(await freePort()),
      SLAPD_MEMBEROF: options.memberOf ?? 'memberof',
    };
    try {
      await run('/bin/bash', [path.join(script, 'start.sh')], env);
      break;
    } catch (error) {
      if (attempt >= 3 || !/slapd died/.test((error as Error).message)) throw error;
    }
  }
  const vars = parseEnvFile(await readFile(path.join(env.SLAPD_BASE, 'env.sh'), 'utf8'));
  const ldapi = vars.LDAPI_URL as string;
  const ldap = async (tool: string, ldif: string): Promise<void> => {
    await run(tool, ['-x', '-H', ldapi, '-D', vars.LDAP_ADMIN_DN as string, '-w', vars.LDAP_ADMIN_PW as string], {}, 15_000, ldif);
  };
  const stopOnly = async (keep: boolean): Promise<void> => {
    await run('/bin/bash', [path.join(script, 'stop.sh')], { ...env, KEEP: keep ? '1' : '0' });
  };
  return {
    base,
    ...endpointsFromEnv(vars),
    ldapPort,
    adminDN: vars.LDAP_ADMIN_DN as string,
    adminPassword: vars.LDAP_ADMIN_PW as string,
    modify: (ldif) => ldap('/usr/bin/ldapmodify', ldif),
    add: (ldif) => ldap('/usr/bin/ldapadd', ldif),
    async modifyConfig(ldif) {
      await run('/usr/bin/ldapmodify', ['-Q', '-Y', 'EXTERNAL', '-H', ldapi], {}, 15_000, ldif);
    },
    async restart() {
      await stopOnly(true);
      await run('/bin/bash', [path.join(script, 'start.sh')], { ...env, SLAPD_RESTART: '1' });
    },
    stopOnly: () => stopOnly(true),
    async stop() {
      await stopOnly(false).catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * The `type: ldap` provider section (as written in YAML) for this test directory: double bind
 * over ldaps with the test CA. `bind` chooses how the service password is given.
 */
export function slapdProviderInput(slapd: DirectoryEndpoints, bind: { bindPassword: string } | { bindPasswordFile: string }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'ldap',
    name: 'Test OpenLDAP',
    serverAddress: slapd.ldapsUrl,
    tlsCACertificate: slapd.caFile,
    bindDN: slapd.bindDN,
    ...bind,
    userSearchBaseDN: `ou=Users,${slapd.baseDN}`,
    userObjectClass: 'inetOrgPerson',
    uniqueIdAttribute: 'entryUUID',
    usernameAttribute: 'uid',
    userEmailAttribute: 'mail',
    userFirstNameAttribute: 'givenName',
    userLastNameAttribute: 'sn',
    userRoleAttribute: 'employeeType',
    groupSearchBaseDN: `ou=Groups,${slapd.baseDN}`,
    groupObjectClass: 'groupOfNames',
    ...overrides,
  };
}
