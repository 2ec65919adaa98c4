/**
 * Samba AD DC: sAMAccountName double bind, UPN and DOMAIN\user single bind, objectGUID
 * rendering, in-chain nested groups, disabled account, strong-auth error, referrals.
 * Runs as root (Samba's fixed ports 389/636); see test/support/samba.ts.
 */
import t from 'tap';
import { startSamba } from '../../support/samba.ts';
import { ldapProviderSchema, type LdapProviderInput } from '../../../src/config/schema/ldap.ts';
import { CONTEXT, groupNames, judged, provider, traced, UUID } from './fixtures.ts';

const samba = await startSamba();
t.teardown(() => samba.stop());
const pw = samba.userPassword;
const users = `CN=Users,${samba.baseDN}`;

function adConfig(overrides: Partial<LdapProviderInput> = {}) {
  return ldapProviderSchema.parse({
    type: 'ldap',
    name: 'Test AD',
    serverAddress: samba.ldapsUrl,
    tlsCACertificate: samba.caFile,
    bindDN: samba.bindDN,
    bindPassword: samba.bindPassword,
    userSearchBaseDN: users,
    userObjectClass: 'user',
    uniqueIdAttribute: 'objectGUID',
    usernameAttribute: 'sAMAccountName',
    userEmailAttribute: 'mail',
    userFirstNameAttribute: 'givenName',
    userLastNameAttribute: 'sn',
    groupSearchBaseDN: users,
    groupObjectClass: 'group',
    groupUniqueIdAttribute: 'objectGUID',
    groupNameAttribute: 'sAMAccountName',
    connectTimeout: '3s',
    operationTimeout: '10s',
    ...overrides,
  });
}

async function guidFromSambaTool(name: string): Promise<string> {
  const shown = await samba.tool(['user', 'show', name]);
  const match = /^objectGUID: (\S+)$/m.exec(shown);
  if (!match) throw new Error(`no objectGUID in samba-tool output:\n${shown}`);
  return match[1] as string;
}

t.test('double bind with sAMAccountName; objectGUID rendered like samba-tool', async (t) => {
  const p = provider(adConfig());
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('alice', pw, CONTEXT);
  t.ok(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  t.match(outcome.profile, { username: 'alice', email: 'alice@example.com', firstName: 'Alice', lastName: 'Anderson' });
  t.match(outcome.profile.uniqueId, UUID);
  t.equal(outcome.profile.uniqueId, (await guidFromSambaTool('alice')).toLowerCase(), 'same GUID string as samba-tool user show');
  t.same(groupNames(outcome), ['Engineering']);
  t.match(outcome.profile.groups[0]?.id, UUID, 'group objectGUID as a GUID string');
  t.match(await p.authenticate('alice', 'wrong', CONTEXT), { ok: false, reason: 'bad-credentials' });
  t.match(await p.authenticate('ALICE', pw, CONTEXT), { ok: true, profile: { username: 'alice' } }, 'AD matches usernames case-insensitively');
});

t.test('nested groups with the in-chain matching rule', async (t) => {
  const p = provider(adConfig({ nestedGroups: true, permittedLoginGroups: [`CN=Everyone,${users}`] }));
  t.teardown(() => p.close?.());
  const { outcome, text } = await traced(p, 'alice', pw);
  t.same(groupNames(outcome), ['Engineering', 'Everyone', 'Staff'], text);
  t.match(text, /1\.2\.840\.113556\.1\.4\.1941/, 'one in-chain query');
  t.match(text, /in-chain rule \(Active Directory\)/);
  t.match(await judged(p, p.authenticate('carol', pw, CONTEXT)), { ok: false, reason: 'not-permitted' });
  t.match(await judged(p, p.authenticate('dave', pw, CONTEXT)), { ok: true });
});

t.test('single bind: UPN and DOMAIN\\user templates, then the own entry', async (t) => {
  const cases = [
    { name: 'UPN', template: '{username}@example.com' },
    { name: 'DOMAIN\\user', template: 'EXAMPLE\\{username}' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(adConfig({ bindDN: undefined, bindPassword: undefined, userBindTemplate: c.template }));
      t.teardown(() => p.close?.());
      const outcome = await p.authenticate('bob', pw, CONTEXT);
      t.match(outcome, { ok: true, profile: { username: 'bob', email: 'bob@example.com' } });
      t.same(groupNames(outcome), ['Engineering'], 'groups read with the user\'s own connection');
      t.match(await p.authenticate('bob', 'wrong', CONTEXT), { ok: false, reason: 'bad-credentials' });
    });
  }
});

t.test('a disabled account is refused even with the right password', async (t) => {
  const p = provider(adConfig());
  t.teardown(() => p.close?.());
  t.match(await p.authenticate('frank', pw, CONTEXT), { ok: false, reason: 'account-disabled' });
  t.match(await p.authenticate('frank', 'wrong', CONTEXT), { ok: false, reason: 'bad-credentials' }, 'a wrong password does not reveal the state');
  const single = provider(adConfig({ bindDN: undefined, bindPassword: undefined, userBindTemplate: '{username}@example.com' }));
  t.teardown(() => single.close?.());
  t.match(await single.authenticate('frank', pw, CONTEXT), { ok: false, reason: 'account-disabled' });
});

t.test('refresh finds the user by <GUID=...> and ends disabled accounts', async (t) => {
  const p = provider(adConfig({ nestedGroups: true }));
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('eve', pw, CONTEXT);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome));
  const identity = { ...outcome.profile, groups: [], role: 'viewer' as const, authTime: 0, refreshedAt: 0 };
  t.match(await p.refresh?.(identity), { ok: true, profile: { username: 'eve', uniqueId: identity.uniqueId } });
  await samba.tool(['user', 'disable', 'eve']);
  t.teardown(() => samba.tool(['user', 'enable', 'eve']));
  t.match(await p.refresh?.(identity), { ok: false, reason: 'account-disabled' });
  t.match(await p.refresh?.({ ...identity, uniqueId: '00000000-0000-4000-8000-000000000000' }), { ok: false, reason: 'user-gone' });
});

t.test('strong auth: a plain simple bind refused by the server is a clear error', async (t) => {
  const p = provider(adConfig({ serverAddress: samba.ldapUrl, allowInsecureLdap: true, tlsCACertificate: undefined }));
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('alice', pw, CONTEXT);
  t.match(outcome, { ok: false, reason: 'provider-unavailable', detail: /^ERR_LDAP_STRONG_AUTH_REQUIRED: The LDAP server refuses simple binds over an unprotected connection/ });
  const tls = provider(adConfig({ serverAddress: samba.ldapUrl, startTLS: true }));
  t.teardown(() => tls.close?.());
  t.match(await tls.authenticate('alice', pw, CONTEXT), { ok: true }, 'the same server with StartTLS works');
});

t.test('referrals are not followed', async (t) => {
  const p = provider(adConfig({ userSearchBaseDN: samba.baseDN, groupSearchBaseDN: samba.baseDN }));
  t.teardown(() => p.close?.());
  const { outcome, text } = await traced(p, 'alice', pw);
  t.match(outcome, { ok: true }, 'login works from the domain root');
  t.match(text, /referral\(s\) not followed/, 'the search returned referrals, which were ignored');
  t.notMatch(text, /trying ldaps?:\/\/example\.com/, 'no connection to the referred server');
});
