import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { convertConnect, parseGcfg, writeSecretFiles, sectionsNamed, formatGcfg, type ConnectConversion } from '../../../src/connect/index.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/connect');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const convert = (text: string, secretsDir?: string): ConnectConversion =>
  convertConnect(parseGcfg(text, 'rstudio-connect.gcfg'), secretsDir ? { secretsDir } : {});
/** The one rule every conversion adds (passApiKeys is on): Connect API keys reach Connect's API only. */
const API_KEY_RULE = { name: 'connect-api-keys', paths: ['/__api__/**'], websocket: 'never', apiKeys: true, action: 'allow' };
const provider = (r: ConnectConversion, i = 0) => (r.config['auth'] as { providers: Record<string, unknown>[] }).providers[i] ?? {};

t.test('the documented Connect AD sample converts', async (t) => {
  const r = convert(fixture('connect-ad-sample.gcfg'));
  t.same(parseYaml(r.yaml), r.config, 'the YAML is the configuration');
  t.same(provider(r), {
    type: 'ldap',
    name: 'Sample AD Configuration With Service Credentials',
    serverAddress: [],
    tlsCACertificate: '/etc/ssl/cert/ca.pem',
    bindDN: 'EXAMPLE\\admin',
    bindPasswordFile: '/etc/authgate/secrets/sample-ad-configuration-with-service-credentials-bind-password',
    userSearchBaseDN: 'OU=Users,DC=example,DC=com',
    userObjectClass: 'user',
    uniqueIdAttribute: 'objectGUID',
    usernameAttribute: 'sAMAccountName',
    userEmailAttribute: 'mail',
    userFirstNameAttribute: 'givenName',
    userLastNameAttribute: 'sn',
    groupSearchBaseDN: 'OU=Users,DC=example,DC=com',
    groupObjectClass: 'group',
    groupUniqueIdAttribute: 'objectGUID',
    groupNameAttribute: 'sAMAccountName',
  });
  t.same(r.config['authorization'], {
    userRoleGroupMapping: true,
    publisherRoleMapping: ['cn=Developers,ou=Groups,dc=example,dc=com'],
    administratorRoleMapping: ['cn=Dev-Leaders,ou=Groups,dc=example,dc=com', 'cn=IT-Administrators,ou=Groups,dc=example,dc=com'],
    rules: [API_KEY_RULE],
  });
  t.same(r.config['upstream'], { url: 'http://127.0.0.1:3939', profile: 'connect', passApiKeys: true });
  t.same(Object.keys(r.config), ['listen', 'upstream', 'session', 'auth', 'authorization'], 'only contract key names at the top');
  t.same(r.untranslated, [], 'nothing left out');
  t.equal(r.complete, false);
  t.match(r.yaml, /bindDN: EXAMPLE\\admin # BindDN, line 24\n/, 'comments cite the Connect key and line');
  t.match(r.yaml, /# from \[LDAP "Sample AD Configuration With Service Credentials"\] \(line 8\)\n/);
  t.match(r.yaml, /serverAddress: \[\] # FILL IN: ServerAddress is empty/);
});

t.test('the empty ServerAddress is the one thing to fill in', async (t) => {
  const r = convert(fixture('connect-ad-sample.gcfg'));
  t.same(r.toFill, [{
    section: '[LDAP "Sample AD Configuration With Service Credentials"]',
    key: 'ServerAddress',
    line: 13,
    message: 'is empty: fill in auth.providers[0].serverAddress with the directory\'s address, for example ldaps://dc1.example.com:636',
  }]);
  const filled = convert(fixture('connect-ad-sample.gcfg').replace(/^ServerAddress =$/m, 'ServerAddress = dc1.example.com:636'));
  t.same(filled.toFill, []);
  t.same(provider(filled)['serverAddress'], ['ldaps://dc1.example.com:636'], 'TLS = true means ldaps://');
  t.equal(filled.complete, true);
});

t.test('repeated AdministratorRoleMapping becomes a two-element list', async (t) => {
  const r = convert(fixture('connect-ad-sample.gcfg'));
  const authorization = r.config['authorization'] as Record<string, unknown>;
  t.equal((authorization['administratorRoleMapping'] as unknown[]).length, 2);
  t.match(r.yaml, /# from AdministratorRoleMapping, lines 54, 55\n {2}administratorRoleMapping:\n {4}- cn=Dev-Leaders/);
});

t.test('BindPassword and ClientSecret never appear in the output', async (t) => {
  for (const [name, secret] of [['connect-ad-sample.gcfg', 'XXXXXXXX'], ['connect-ldap-complete.gcfg', 's3cr3t-Bind;Pass#word'], ['connect-oauth2.gcfg', '2ab7be07-84fe-4569-b04a-ce8f1ebfc077']] as const) {
    const r = convert(fixture(name));
    const { secrets, ...printable } = r;
    t.notMatch(JSON.stringify(printable), secret, `${name}: not in the YAML, findings, notes or Connect-side settings`);
    t.ok(secrets.some((s) => s.value === secret), `${name}: kept only for --write-secrets`);
  }
});

t.test('--write-secrets files have mode 0600 in a 0700 directory', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'authgate-secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const secretsDir = path.join(dir, 'secrets');
  const r = convert(fixture('connect-ad-sample.gcfg'), secretsDir);
  t.equal(provider(r)['bindPasswordFile'], path.join(secretsDir, 'sample-ad-configuration-with-service-credentials-bind-password'));
  t.equal((r.config['session'] as Record<string, unknown>)['secretsFile'], path.join(secretsDir, 'session-secrets'));
  const written = await writeSecretFiles(secretsDir, r.secrets, (n) => Buffer.alloc(n, 7));
  t.same(written.map((w) => w.outcome), ['generated', 'written']);
  t.equal((await stat(secretsDir)).mode & 0o777, 0o700);
  for (const w of written) t.equal((await stat(w.path)).mode & 0o777, 0o600, w.path);
  t.equal(await readFile(path.join(secretsDir, 'sample-ad-configuration-with-service-credentials-bind-password'), 'utf8'), 'XXXXXXXX\n');
  t.equal(await readFile(path.join(secretsDir, 'session-secrets'), 'utf8'), `${Buffer.alloc(48, 7).toString('base64url')}\n`);

  await writeFile(path.join(secretsDir, 'session-secrets'), 'existing-secret-that-must-survive-a-rerun\n', { mode: 0o644 });
  const again = await writeSecretFiles(secretsDir, r.secrets);
  t.same(again.map((w) => w.outcome), ['kept', 'written'], 'an existing session secret is kept (replacing it logs everyone out)');
  t.equal(await readFile(path.join(secretsDir, 'session-secrets'), 'utf8'), 'existing-secret-that-must-survive-a-rerun\n');
  await writeFile(path.join(secretsDir, 'sample-ad-configuration-with-service-credentials-bind-password'), 'old', { mode: 0o644 });
  await writeSecretFiles(secretsDir, r.secrets);
  t.equal((await stat(path.join(secretsDir, 'sample-ad-configuration-with-service-credentials-bind-password'))).mode & 0o777, 0o600, 'an existing file is tightened to 0600');
});

interface LdapCase {
  name: string;
  body: string;
  expect: Record<string, unknown>;
  toFill?: string[];
  untranslated?: string[];
  notes?: RegExp;
}

const base = 'UserSearchBaseDN = "DC=x"\nUserObjectClass = user\n';
const ldapCases: LdapCase[] = [
  { name: 'host:port with TLS = true is ldaps://', body: 'ServerAddress = dc1:636\nTLS = true', expect: { serverAddress: ['ldaps://dc1:636'] } },
  { name: 'host:port with StartTLS', body: 'ServerAddress = dc1:389\nStartTLS = true', expect: { serverAddress: ['ldap://dc1:389'], startTLS: true } },
  { name: 'plaintext LDAP is carried over loudly', body: 'ServerAddress = dc1:389', expect: { serverAddress: ['ldap://dc1:389'], allowInsecureLdap: true }, notes: /connects without TLS/ },
  { name: 'a URL is kept as written', body: 'ServerAddress = ldaps://dc1.example.com', expect: { serverAddress: ['ldaps://dc1.example.com'] } },
  { name: 'TLS and StartTLS: startTLS dropped for ldaps', body: 'ServerAddress = dc1:636\nTLS = true\nStartTLS = true', expect: { serverAddress: ['ldaps://dc1:636'] }, notes: /StartTLS = true \(line 6\) was dropped/ },
  { name: 'the last ServerAddress wins, as in Connect', body: 'ServerAddress = a:636\nServerAddress = b:636\nTLS', expect: { serverAddress: ['ldaps://b:636'] }, notes: /sets ServerAddress 2 times/ },
  { name: 'missing ServerAddress', body: 'TLS = true', expect: { serverAddress: [] }, toFill: ['ServerAddress'] },
  { name: 'an unusable ServerAddress', body: 'ServerAddress = "dc1 dc2"\nTLS = true', expect: { serverAddress: [] }, toFill: ['ServerAddress'] },
  { name: 'booleans: bare, yes, off', body: 'ServerAddress = d:636\nTLS = yes\nAnonymousBind\nLogging = off', expect: { serverAddress: ['ldaps://d:636'], anonymousBind: true, logging: false } },
  { name: 'an unreadable boolean is left out', body: 'ServerAddress = d:636\nTLS = true\nAnonymousBind = maybe', expect: { serverAddress: ['ldaps://d:636'] }, untranslated: ['AnonymousBind'] },
  { name: 'ServerTLSInsecure is carried with a warning', body: 'ServerAddress = d:636\nTLS = true\nServerTLSInsecure = true', expect: { serverAddress: ['ldaps://d:636'], serverTLSInsecure: true }, notes: /will not verify/ },
  { name: 'filters and role attribute', body: 'ServerAddress = d:636\nTLS = true\nUserFilterBase = "(objectClass=user)"\nGroupFilterBase = "(objectClass=group)"\nUserRoleAttribute = rscRole', expect: { serverAddress: ['ldaps://d:636'], userFilterBase: '(objectClass=user)', groupFilterBase: '(objectClass=group)', userRoleAttribute: 'rscRole' } },
  { name: 'permitted login groups, old and new names', body: 'ServerAddress = d:636\nTLS = true\nPermittedLoginGroup = "CN=a"\nPermittedLoginGroup = "CN=b"\nWhitelistedLoginGroup = "CN=c"', expect: { serverAddress: ['ldaps://d:636'], permittedLoginGroups: ['CN=a', 'CN=b', 'CN=c'] } },
  { name: 'keys authgate does not have are left out', body: 'ServerAddress = d:636\nTLS = true\nGroupsByUniqueId = true\nSomethingNew = 1', expect: { serverAddress: ['ldaps://d:636'] }, untranslated: ['GroupsByUniqueId', 'SomethingNew'] },
  { name: 'GroupsAutoProvision moves to Connect', body: 'ServerAddress = d:636\nTLS = true\nGroupsAutoProvision = true', expect: { serverAddress: ['ldaps://d:636'] }, notes: /moves to Connect's \[ProxyAuth\]/ },
];

t.test('[LDAP] keys', async (t) => {
  for (const c of ldapCases) {
    t.test(c.name, async (t) => {
      const r = convert(`[LDAP "Lab"]\n${base}${c.body}\n`);
      const p = provider(r);
      for (const [key, value] of Object.entries(c.expect)) t.same(p[key], value, key);
      for (const key of ['startTLS', 'allowInsecureLdap', 'serverTLSInsecure']) if (!(key in c.expect)) t.notOk(key in p, `no ${key}`);
      t.same(r.toFill.map((f) => f.key), c.toFill ?? []);
      t.same(r.untranslated.map((f) => f.key), c.untranslated ?? []);
      if (c.notes) t.match(r.notes.join('\n'), c.notes);
    });
  }
});

t.test('missing user search settings are to fill in', async (t) => {
  const r = convert('[LDAP "x"]\nServerAddress = d:636\nTLS = true\n');
  t.same(r.toFill.map((f) => `${f.key}: ${f.message}`), [
    'UserSearchBaseDN: is missing: fill in auth.providers[0].userSearchBaseDN',
    'UserObjectClass: is missing: fill in auth.providers[0].userObjectClass',
  ]);
});

t.test('every [LDAP "name"] section becomes one provider; ids stay unique', async (t) => {
  const r = convert(`[LDAP "Corp AD"]\n${base}ServerAddress = a:636\nTLS\n[LDAP "corp-ad"]\n${base}ServerAddress = b:636\nTLS\n[ldap "EU"]\n${base}ServerAddress = c:636\nTLS\n`);
  const providers = (r.config['auth'] as { providers: Record<string, unknown>[] }).providers;
  t.same(providers.map((p) => [p['id'], p['name']]), [[undefined, 'Corp AD'], ['corp-ad-2', 'corp-ad'], [undefined, 'EU']]);
  t.same(r.secrets.map((s) => s.fileName), ['session-secrets'], 'no BindPassword, no password file');
});

t.test('[OAuth2] becomes an oidc provider', async (t) => {
  const r = convert(fixture('connect-oauth2.gcfg'));
  t.same(provider(r), {
    type: 'oidc',
    id: 'oidc',
    name: 'OpenID Connect',
    issuer: 'https://your-organization.okta.com/',
    clientId: '0ebfafe9-237f-4e38-a85b-a0e5d6c06782',
    clientSecretFile: '/etc/authgate/secrets/oidc-client-secret',
    scopes: ['openid', 'email', 'profile', 'groups'],
    usernameClaim: 'preferred_username',
    groupsClaim: 'groups',
  });
  t.equal(r.config['publicUrl'], 'https://connect.example.com', 'trailing slash dropped');
  t.same(r.untranslated.map((f) => `${f.key}: ${f.message}`), ['UniqueIdClaim: authgate reads the "sub" claim for this and cannot rename it']);
  t.match(r.connectSide, /GroupsAutoProvision = true/);

  const google = convert('[OAuth2]\nClientId = abc\nClientSecret = s\nAllowedDomains = example.com\nDomain = example.org\nLogging\n');
  t.same(provider(google), {
    type: 'oidc', id: 'google', name: 'Google', issuer: 'https://accounts.google.com', clientId: 'abc',
    clientSecretFile: '/etc/authgate/secrets/google-client-secret', allowedDomains: ['example.com', 'example.org'],
  });
  t.match(google.notes.join('\n'), /no logging switch/);

  const empty = convert('[OAuth2]\nOpenIDConnectIssuer = https://idp.example.com\n');
  t.same(empty.toFill.map((f) => f.key), ['ClientId', 'ClientSecret']);
});

interface AuthzCase {
  name: string;
  body: string;
  expect: Record<string, unknown> | undefined;
  untranslated?: string[];
  toFill?: string[];
  kept?: string[];
}

const authzCases: AuthzCase[] = [
  { name: 'role names are lower-cased', body: 'DefaultUserRole = Publisher', expect: { defaultUserRole: 'publisher' } },
  { name: 'an unknown role is left out', body: 'DefaultUserRole = owner', expect: undefined, untranslated: ['DefaultUserRole'] },
  { name: 'attribute mapping with every list', body: 'UserRoleMapping = true\nViewerRoleMapping = v\nPublisherRoleMapping = p\nAdministratorRoleMapping = a1\nAdministratorRoleMapping = a2\nUserRoleMappingRestrictive = true', expect: { userRoleMapping: true, viewerRoleMapping: ['v'], publisherRoleMapping: ['p'], administratorRoleMapping: ['a1', 'a2'], userRoleMappingRestrictive: true } },
  { name: 'both mappings enabled must be fixed', body: 'UserRoleGroupMapping = true\nUserRoleMapping = true', expect: { userRoleGroupMapping: true, userRoleMapping: true }, toFill: ['UserRoleMapping'] },
  { name: 'Connect permissions stay in Connect', body: 'ViewersCanOnlySeeThemselves = true\nPublishersCanManageVanities = true', expect: undefined, kept: ['ViewersCanOnlySeeThemselves', 'PublishersCanManageVanities'] },
];

t.test('[Authorization]', async (t) => {
  for (const c of authzCases) {
    t.test(c.name, async (t) => {
      const r = convert(`[Authorization]\n${c.body}\n`);
      t.same(r.config['authorization'], { ...c.expect, rules: [API_KEY_RULE] });
      t.same(r.untranslated.map((f) => f.key), c.untranslated ?? []);
      t.same(r.toFill.map((f) => f.key).filter((k) => k !== ''), c.toFill ?? []);
      t.same(r.kept, c.kept ?? []);
    });
  }
});

t.test('[Server], [HTTPS], [HTTP], [HTTPRedirect] and [Authentication]', async (t) => {
  const r = convert(fixture('connect-ldap-complete.gcfg'));
  t.same(r.config['listen'], {
    address: '0.0.0.0', port: 443,
    tls: { certFile: '/etc/rstudio-connect/tls.crt', keyFile: '/etc/rstudio-connect/tls.key', minVersion: 'TLSv1.2' },
    httpRedirectPort: 80,
  });
  t.equal(r.config['publicUrl'], 'https://connect.example.com');
  t.same(r.config['upstream'], { url: 'http://127.0.0.1:3939', profile: 'connect', passApiKeys: true });
  t.same(r.config['session'], { secretsFile: '/etc/authgate/secrets/session-secrets', maxLifetime: '30d' });
  t.match(r.yaml, /port: 443 # \[HTTPS\] Listen, line 10\n/);
  t.equal(r.complete, true, 'everything translated');
  t.same(r.kept, ['ViewersCanOnlySeeThemselves']);

  const cases: Array<[string, string, (c: ConnectConversion) => void]> = [
    ['http Address becomes https', '[Server]\nAddress = http://rsc.example.com:3939/\n', (c) => {
      t.equal(c.config['publicUrl'], 'https://rsc.example.com:3939');
      t.match(c.notes.join('\n'), /authgate serves HTTPS/);
    }],
    ['TLS 1.0 is raised to 1.2', '[HTTPS]\nListen = 0.0.0.0:8443\nCertificate = c\nKey = k\nMinimumTLS = 1.0\n', (c) => {
      t.same((c.config['listen'] as Record<string, unknown>)['tls'], { certFile: 'c', keyFile: 'k', minVersion: 'TLSv1.2' });
      t.match(c.yaml, /was 1\.0: authgate never accepts TLS below 1\.2/);
    }],
    ['Permanent = false turns HSTS off; unknown [HTTPS] keys are left out', '[HTTPS]\nListen = :443\nCertificate = c\nKey = k\nPermanent = false\nExcludedCiphers = RC4\n', (c) => {
      t.equal(((c.config['listen'] as Record<string, Record<string, unknown>>)['tls'] ?? {})['hsts'], '');
      t.same(c.untranslated.map((f) => f.key), ['ExcludedCiphers']);
    }],
    ['a certificate without its key', '[HTTPS]\nListen = :443\nCertificate = c\n', (c) => t.same(c.toFill.map((f) => f.key).filter((k) => k !== ''), ['Key'])],
    ['HTTP on an IPv6 address', '[HTTP]\nListen = [::1]:3939\n', (c) => t.equal((c.config['upstream'] as Record<string, unknown>)['url'], 'http://[::1]:3939')],
    ['a bad listen address', '[HTTP]\nListen = everywhere\n', (c) => t.same(c.untranslated.map((f) => f.key), ['Listen'])],
    ['Provider = pam cannot move', '[Authentication]\nProvider = pam\n', (c) => t.match(c.untranslated[0]?.message ?? '', /no PAM provider/)],
    ['[SAML] is left out', '[SAML]\nIdPMetaDataURL = https://idp\n', (c) => t.same(c.untranslated.map((f) => [f.section, f.message]), [['[SAML]', 'authgate has no SAML provider']])],
    ['Go durations', '[Authentication]\nLifetime = 1h30m\nInactivity = 3600000000000\n', (c) => t.same(c.config['session'], { secretsFile: '/etc/authgate/secrets/session-secrets', maxLifetime: '90m', idleTimeout: '1h' })],
    ['an unreadable duration', '[Authentication]\nLifetime = forever\n', (c) => t.same(c.untranslated.map((f) => f.key), ['Lifetime'])],
    ['no provider at all', '[Server]\nAddress = https://x\n', (c) => t.match(c.toFill[0]?.message ?? '', /no \[LDAP "…"\] or \[OAuth2\] section/)],
  ];
  for (const [name, text, check] of cases) t.test(name, async () => check(convert(text)));
});

t.test('Connect-side settings match the connect profile headers and parse as gcfg', async (t) => {
  const r = convert(fixture('connect-ldap-complete.gcfg'));
  const doc = parseGcfg(r.connectSide, 'connect-side.gcfg');
  const value = (section: string, key: string) => sectionsNamed(doc, section)[0]?.values.get(key.toLowerCase())?.at(-1)?.value;
  t.equal(value('Authentication', 'Provider'), 'proxy');
  t.equal(value('Server', 'Address'), 'https://connect.example.com');
  t.equal(value('HTTP', 'Listen'), '127.0.0.1:3939');
  t.same(
    Object.fromEntries(['UsernameHeader', 'EmailHeader', 'FirstNameHeader', 'LastNameHeader', 'RoleHeader', 'GroupsHeader', 'UniqueIdHeader'].map((k) => [k, value('ProxyAuth', k)])),
    {
      UsernameHeader: 'X-Auth-Username', EmailHeader: 'X-Auth-Email', FirstNameHeader: 'X-Auth-First-Name', LastNameHeader: 'X-Auth-Last-Name',
      RoleHeader: 'X-Auth-Role', GroupsHeader: 'X-Auth-Groups', UniqueIdHeader: 'X-Auth-ID',
    },
  );
  t.equal(value('ProxyAuth', 'LoginURL'), 'https://connect.example.com/__authgate__/login');
  t.equal(value('ProxyAuth', 'GroupsAutoProvision'), 'true');
  t.equal(value('Authorization', 'UserRoleMapping'), 'true');
  t.match(r.connectSide, /remove from \[Authorization\]: UserRoleGroupMapping, PublisherRoleMapping, AdministratorRoleMapping/);
  t.match(r.connectSide, /remove \[HTTPS\]/);
  t.match(r.connectSide, /remove these sections: authgate does this now: \[LDAP "Corporate AD"\]/);
});

t.test('CRLF and a BOM convert like LF', async (t) => {
  const lf = fixture('connect-ad-sample.gcfg');
  t.same(convert(`\uFEFF${lf.replace(/\n/g, '\r\n')}`).config, convert(lf).config);
});

t.test('property: any Connect-shaped document converts without throwing, and its YAML is its config', async (t) => {
  const sections = ['LDAP', 'OAuth2', 'Authorization', 'Server', 'HTTPS', 'HTTP', 'HTTPRedirect', 'Authentication', 'SAML', 'ProxyAuth'];
  const keys = [
    'ServerAddress', 'TLS', 'StartTLS', 'ServerTLSInsecure', 'BindDN', 'BindPassword', 'AnonymousBind', 'UserSearchBaseDN', 'UserObjectClass',
    'PermittedLoginGroup', 'GroupsAutoProvision', 'Logging', 'ClientId', 'ClientSecret', 'OpenIDConnectIssuer', 'AllowedDomains', 'CustomScope',
    'EmailClaim', 'DefaultUserRole', 'UserRoleMapping', 'UserRoleGroupMapping', 'AdministratorRoleMapping', 'Address', 'Listen', 'Certificate',
    'Key', 'MinimumTLS', 'Permanent', 'Provider', 'Lifetime', 'Inactivity', 'Other',
  ];
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('', 'true', 'no', ':443', '[::1]:80', '[:]:80', 'host:99999', 'ldap://x', 'ldaps://x:636/dc=x', 'http://a b', '1h30m', '0', '5ns', '1.3', 'viewer'),
  );
  const section = fc.record({
    name: fc.constantFrom(...sections),
    subsection: fc.option(fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, '')), { nil: undefined }),
    entries: fc.array(fc.record({ key: fc.constantFrom(...keys), value: fc.oneof(value, fc.constant(true as const)) }), { maxLength: 8 }),
  });
  const listen = fc.record({
    name: fc.constantFrom('HTTP', 'HTTPS', 'HTTPRedirect', 'Server'),
    entries: fc.array(fc.record({ key: fc.constantFrom('Listen', 'Address'), value: fc.oneof(value, fc.string({ unit: 'binary', maxLength: 12 }).map((v) => v.replace(/\r/g, ''))) }), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.array(fc.oneof(section, listen), { maxLength: 6 }), (model) => {
      const r = convert(formatGcfg(model));
      assert.deepStrictEqual(parseYaml(r.yaml), r.config);
      parseGcfg(r.connectSide, 'connect-side.gcfg');
      assert.equal(r.complete, r.toFill.length === 0 && r.untranslated.length === 0);
    }),
    { numRuns: 1500 },
  );
  t.pass();
});

t.test('passApiKeys comes with one narrow rule admitting API keys, after the converted rules', async (t) => {
  for (const gcfg of ['', '[Authorization]\nDefaultUserRole = viewer\n', fixture('connect-oauth2.gcfg')]) {
    const r = convert(gcfg);
    t.equal((r.config['upstream'] as Record<string, unknown>)['passApiKeys'], true);
    const rules = (r.config['authorization'] as { rules: unknown[] }).rules;
    t.same(rules, [API_KEY_RULE], 'only Connect\'s API, plain HTTP');
    t.match(r.yaml, /rules:\n {4}# API-key requests \(Authorization: Key …, X-Auth-Token\) and no session: only Connect's API under \/__api__\//);
    t.match(r.notes.join('\n'), /Scripts that call content \(a Plumber API, pins\) with a Connect API key need their own rule/);
    t.same(parseYaml(r.yaml), r.config, 'the YAML is the configuration');
  }
});
