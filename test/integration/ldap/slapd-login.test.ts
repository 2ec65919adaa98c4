/** OpenLDAP: double bind, anonymous bind, single bind, TLS modes, injection attempts, refused input. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSlapd } from '../../support/slapd.ts';
import { diagnoseLdapLogin } from '../../../src/auth/ldap/index.ts';
import { CONTEXT, provider, readSecret, slapdConfig, traced, UUID } from './fixtures.ts';

const slapd = await startSlapd();
t.teardown(() => slapd.stop());
const pw = slapd.userPassword;

t.test('double bind over ldaps with the test CA', async (t) => {
  const p = provider(slapdConfig(slapd));
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('alice', pw, CONTEXT);
  t.ok(outcome.ok, 'alice logs in');
  if (!outcome.ok) return;
  t.match(outcome.profile, { provider: 'test-openldap', username: 'alice', email: 'alice@example.com', firstName: 'Alice', lastName: 'Anderson', roleValues: ['publisher'] });
  t.match(outcome.profile.uniqueId, UUID, 'entryUUID is the unique id, as-is');
  t.same(outcome.profile.groups, [{ name: 'Engineering', dn: `cn=Engineering,ou=Groups,${slapd.baseDN}`, id: `cn=Engineering,ou=Groups,${slapd.baseDN}` }]);
  const wrong = await p.authenticate('alice', 'wrong', CONTEXT);
  t.match(wrong, { ok: false, reason: 'bad-credentials', uniqueId: outcome.profile.uniqueId }, 'a wrong password names the account it was tried on (throttling counts against it)');
  const nobody = await p.authenticate('nobody', pw, CONTEXT);
  t.match(nobody, { ok: false, reason: 'bad-credentials' });
  t.notOk(!nobody.ok && nobody.uniqueId, 'no account, no unique id');
  t.match(await p.health?.(), { ok: true });
});

t.test('StartTLS and plaintext lab mode', async (t) => {
  const cases = [
    { name: 'ldap:// + startTLS', overrides: { serverAddress: slapd.ldapUrl, startTLS: true } },
    { name: 'ldap:// + startTLS via localhost (certificate name)', overrides: { serverAddress: slapd.ldapUrl.replace('127.0.0.1', 'localhost'), startTLS: true } },
    { name: 'plain ldap:// with allowInsecureLdap', overrides: { serverAddress: slapd.ldapUrl, allowInsecureLdap: true, tlsCACertificate: undefined } },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(slapdConfig(slapd, c.overrides));
      t.teardown(() => p.close?.());
      t.match(await p.authenticate('bob', pw, CONTEXT), { ok: true, profile: { username: 'bob' } });
    });
  }
});

t.test('a server certificate from another CA is refused', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-wrong-ca-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const wrongCa = path.join(dir, 'ca.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=Wrong CA', '-keyout', path.join(dir, 'ca.key'), '-out', wrongCa], { stdio: 'ignore' });
  const cases = [
    { name: 'ldaps', overrides: { tlsCACertificate: wrongCa } },
    { name: 'StartTLS', overrides: { serverAddress: slapd.ldapUrl, startTLS: true, tlsCACertificate: wrongCa } },
    { name: 'ldaps with system CAs only', overrides: { tlsCACertificate: undefined } },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(slapdConfig(slapd, c.overrides));
      t.teardown(() => p.close?.());
      const outcome = await p.authenticate('alice', pw, CONTEXT);
      t.match(outcome, { ok: false, reason: 'provider-unavailable', detail: /^ERR_LDAP_TLS: The LDAP server certificate could not be verified/ });
    });
  }
  await t.test('serverTLSInsecure skips verification (lab only)', async (t) => {
    const p = provider(slapdConfig(slapd, { tlsCACertificate: wrongCa, serverTLSInsecure: true }));
    t.teardown(() => p.close?.());
    t.match(await p.authenticate('alice', pw, CONTEXT), { ok: true });
  });
});

t.test('injection attempts and non-ASCII usernames', async (t) => {
  const p = provider(slapdConfig(slapd));
  t.teardown(() => p.close?.());
  const cases = [
    { username: '*', reason: 'bad-credentials' },
    { username: 'a*', reason: 'bad-credentials' },
    { username: 'alice)(uid=*', reason: 'bad-credentials' },
    { username: '*)(|(uid=*', reason: 'bad-credentials' },
    { username: 'alice)(|(objectClass=*)', reason: 'bad-credentials' },
    { username: 'alice\\2a', reason: 'bad-credentials' },
    { username: 'alice\u0000', reason: 'username-invalid' },
    { username: 'ålice', reason: 'bad-credentials' },
  ];
  for (const c of cases) {
    await t.test(JSON.stringify(c.username), async (t) => {
      const { outcome, text } = await traced(p, c.username, pw);
      t.match(outcome, { ok: false, reason: c.reason });
      t.notMatch(text, /user-bind as "uid=alice/, 'never binds as alice');
    });
  }
  await t.test('a non-ASCII username logs in', async (t) => {
    t.match(await p.authenticate('zoë', pw, CONTEXT), { ok: true, profile: { username: 'zoë', firstName: 'Zoë' } });
  });
});

t.test('empty passwords, "/" and reserved names are refused before any bind', async (t) => {
  const p = provider(slapdConfig(slapd));
  t.teardown(() => p.close?.());
  const cases = [
    { username: 'alice', password: '', reason: 'bad-credentials', detail: 'empty password' },
    { username: 'alice', password: '   \t', reason: 'bad-credentials', detail: 'empty password' },
    { username: 'ali/ce', password: pw, reason: 'username-invalid', detail: 'Usernames containing "/" are not supported.' },
    { username: 'connect', password: pw, reason: 'username-invalid', detail: '"connect" is a reserved name and cannot be used to log in.' },
    { username: 'Content', password: pw, reason: 'username-invalid', detail: '"Content" is a reserved name and cannot be used to log in.' },
    { username: '  ', password: pw, reason: 'username-invalid', detail: 'Enter a username.' },
  ];
  for (const c of cases) {
    const { outcome, events } = await traced(p, c.username, c.password);
    t.same(outcome, { ok: false, reason: c.reason, detail: c.detail }, `${JSON.stringify(c.username)} / ${JSON.stringify(c.password)}`);
    t.same(events.filter((e) => e.step === 'bind' || e.step === 'server'), [], 'no connection, no bind');
  }
});

t.test('anonymous bind searches without credentials', async (t) => {
  await slapd.modifyConfig([
    'dn: olcDatabase={1}mdb,cn=config',
    'changetype: modify',
    'add: olcAccess',
    'olcAccess: {1}to dn.subtree="ou=Users,dc=example,dc=com" attrs=entry,uid,entryUUID,mail,givenName,sn,employeeType,objectClass,memberOf by anonymous read by * break',
    '',
  ].join('\n'));
  const p = provider(slapdConfig(slapd, { bindDN: undefined, bindPassword: undefined, anonymousBind: true, groupSearchBaseDN: undefined }));
  t.teardown(() => p.close?.());
  const { outcome, text } = await traced(p, 'carol', pw);
  t.match(outcome, { ok: true, profile: { username: 'carol', roleValues: ['administrator'] } }, text);
  t.match(text, /anonymous-bind as "" on .* succeeded/);
});

t.test('single bind with a DN template reads the own entry', async (t) => {
  const cases = [
    { name: 'default template', overrides: {} },
    { name: 'explicit template', overrides: { userBindTemplate: `uid={username},ou=Users,${slapd.baseDN}` } },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(slapdConfig(slapd, { bindDN: undefined, bindPassword: undefined, groupSearchBaseDN: undefined, ...c.overrides }));
      t.teardown(() => p.close?.());
      t.equal(p.refresh, undefined, 'single bind cannot refresh without a service account');
      t.match(await p.authenticate('dave', pw, CONTEXT), { ok: true, profile: { username: 'dave', email: 'dave@example.com' } });
      t.match(await p.authenticate('dave', 'wrong', CONTEXT), { ok: false, reason: 'bad-credentials' });
      t.match(await p.authenticate('da,ve', pw, CONTEXT), { ok: false, reason: 'bad-credentials' }, 'a comma is escaped into the DN');
    });
  }
});

t.test('ldap-test diagnosis reports every step and never the password', async (t) => {
  const events: { step: string; ok: boolean; message: string }[] = [];
  const result = await diagnoseLdapLogin(
    slapdConfig(slapd, { nestedGroups: true, permittedLoginGroups: ['Staff'] }),
    { readSecret },
    {
      username: 'alice',
      password: pw,
      authorization: { defaultUserRole: 'viewer', userRoleGroupMapping: true, userRoleMapping: false, viewerRoleMapping: [], publisherRoleMapping: ['Everyone'], administratorRoleMapping: ['Admins'], userRoleMappingRestrictive: false },
    },
    (event) => events.push(event),
  );
  t.equal(result.role, 'publisher');
  const steps = new Set(events.map((e) => e.step));
  for (const step of ['server', 'bind', 'filter', 'entry', 'attributes', 'groups', 'nested-groups', 'permitted', 'role', 'result']) t.ok(steps.has(step), `reports ${step}`);
  const all = JSON.stringify(events);
  t.notOk(all.includes(pw), 'password never reported');
  t.notOk(all.includes(slapd.bindPassword), 'service password never reported');
});

t.test('logging: true sends each operation to the debug log, without passwords', async (t) => {
  const lines: string[] = [];
  const log = (object: object, message?: string) => lines.push(`${JSON.stringify(object)} ${message ?? ''}`);
  const p = provider(slapdConfig(slapd, { logging: true }), { logger: { debug: log, info: log, warn: log, error: log } });
  t.teardown(() => p.close?.());
  t.match(await p.authenticate('bob', pw, CONTEXT), { ok: true });
  t.ok(lines.some((l) => l.includes('user-bind as')), 'binds logged');
  t.ok(lines.some((l) => l.includes('filter=')), 'searches logged');
  t.notOk(lines.join('\n').includes(pw), 'no user password');
  t.notOk(lines.join('\n').includes(slapd.bindPassword), 'no service password');
});

t.test('lookupByEmail (OIDC groupsFrom: ldap) uses the service account', async (t) => {
  const p = provider(slapdConfig(slapd, { nestedGroups: true }));
  t.teardown(() => p.close?.());
  t.match(await p.lookupByEmail?.('dave@example.com'), { username: 'dave', groups: [{ name: 'Everyone' }, { name: 'Staff' }] });
  t.equal(await p.lookupByEmail?.('nobody@example.com'), undefined);
  t.equal(await p.lookupByEmail?.('*@example.com'), undefined, 'the address is escaped');
});
