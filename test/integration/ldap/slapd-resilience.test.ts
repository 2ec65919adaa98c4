/** OpenLDAP: failover and back-off, recovery after restarts, pooled user binds, duplicates, refresh with an injected clock. */
import t from 'tap';
import { startSlapd } from '../../support/slapd.ts';
import { freePort } from '../../support/directory-tools.ts';
import { sampleConnections } from '../../support/sockets.ts';
import type { Identity } from '../../../src/core/identity.ts';
import { CONTEXT, groupNames, judged, provider, slapdConfig, traced } from './fixtures.ts';

const slapd = await startSlapd();
t.teardown(() => slapd.stop());
const pw = slapd.userPassword;
const base = slapd.baseDN;

t.test('failover: a dead first address is tried, then skipped during the back-off', async (t) => {
  const dead = `ldaps://127.0.0.1:${await freePort()}`;
  let now = 1_000_000;
  const p = provider(slapdConfig(slapd, { serverAddress: [dead, slapd.ldapsUrl], failoverBackoff: '30s' }), { clock: () => now });
  t.teardown(() => p.close?.());
  const first = await traced(p, 'alice', pw);
  t.match(first.outcome, { ok: true });
  t.match(first.text, new RegExp(`server FAIL ${dead} failed: ERR_LDAP_UNAVAILABLE`));
  now += 5_000;
  const second = await traced(p, 'bob', pw);
  t.match(second.outcome, { ok: true });
  t.notMatch(second.text, new RegExp(`trying ${dead}`), 'dead address skipped during back-off');
  now += 6 * 60_000;
  const third = await traced(p, 'alice', pw);
  t.match(third.text, new RegExp(`trying ${dead}`), 'past the back-off (and poolIdleTimeout, so pooled connections are replaced) the dead address is tried again');
  t.match(third.outcome, { ok: true });
});

t.test('every address dead: provider-unavailable, clear detail', async (t) => {
  const p = provider(slapdConfig(slapd, { serverAddress: [`ldaps://127.0.0.1:${await freePort()}`, `ldaps://127.0.0.1:${await freePort()}`] }));
  t.teardown(() => p.close?.());
  t.match(await p.authenticate('alice', pw, CONTEXT), { ok: false, reason: 'provider-unavailable', detail: /^ERR_LDAP_UNAVAILABLE: No LDAP server could be reached/ });
});

t.test('concurrent logins share the pools: right and wrong passwords on reused connections, never more than poolSize + bindPoolSize sockets', async (t) => {
  const port = Number(new URL(slapd.ldapsUrl).port);
  const modes = [
    { name: 'double bind', overrides: { poolSize: 2, bindPoolSize: 3 }, users: ['alice', 'bob'], limit: 5 },
    { name: 'single bind', overrides: { bindDN: undefined, bindPassword: undefined, groupSearchBaseDN: undefined, bindPoolSize: 3 }, users: ['dave', 'carol'], limit: 3 },
  ];
  for (const mode of modes) {
    await t.test(mode.name, async (t) => {
      const p = provider(slapdConfig(slapd, mode.overrides));
      t.teardown(() => p.close?.());
      const sampler = sampleConnections(process.pid, [port], 5);
      const attempts = Array.from({ length: 60 }, (_, i) => ({ username: mode.users[i % 2] as string, right: i % 3 !== 0 }));
      const outcomes = await Promise.all(attempts.map((a) => p.authenticate(a.username, a.right ? pw : `${pw}-wrong`, CONTEXT)));
      const most = await sampler.stop();
      const wrong = outcomes.filter((o, i) => o.ok !== (attempts[i] as { right: boolean }).right);
      t.same(wrong, [], 'every right password logs in and every wrong one is refused, whatever the connection was bound as before');
      t.match(outcomes.filter((o) => !o.ok), Array(20).fill({ reason: 'bad-credentials' }));
      t.ok(most >= 1 && most <= mode.limit, `at most ${mode.limit} LDAP connections for 60 concurrent logins (saw ${most})`);
      const after = await p.authenticate(mode.users[0] as string, pw, CONTEXT);
      t.match(after, { ok: true }, 'a pooled connection is still usable after refused binds');
    });
  }
});

t.test('recovers after slapd restarts (pooled connections are replaced)', async (t) => {
  const p = provider(slapdConfig(slapd, { serverAddress: slapd.ldapUrl, startTLS: true }));
  t.teardown(() => p.close?.());
  t.match(await p.authenticate('alice', pw, CONTEXT), { ok: true });
  await slapd.restart();
  t.match(await p.authenticate('alice', pw, CONTEXT), { ok: true }, 'login right after the restart');
  await slapd.stopOnly();
  t.match(await p.authenticate('alice', pw, CONTEXT), { ok: false, reason: 'provider-unavailable' }, 'down');
  await slapd.restart();
  t.match(await p.authenticate('bob', pw, CONTEXT), { ok: true }, 'up again');
  t.match(await p.health?.(), { ok: true });
});

t.test('duplicate usernames', async (t) => {
  await slapd.add([
    `dn: ou=Contractors,${base}`, 'objectClass: organizationalUnit', 'ou: Contractors', '',
    ...['Users', 'Contractors'].flatMap((ou) => [
      `dn: uid=sam,ou=${ou},${base}`, 'objectClass: inetOrgPerson', 'uid: sam', `cn: Sam ${ou}`, 'sn: Sam', `userPassword: pw-${ou}`, '',
      `dn: uid=kim,ou=${ou},${base}`, 'objectClass: inetOrgPerson', 'uid: kim', `cn: Kim ${ou}`, 'sn: Kim', 'userPassword: same-password', '',
    ]),
  ].join('\n'));
  const warnings: object[] = [];
  const log = () => undefined;
  const whole = provider(slapdConfig(slapd, { userSearchBaseDN: base, uniqueIdAttribute: 'DN', userRoleAttribute: undefined }), {
    logger: { debug: log, info: log, error: log, warn: (o: object) => warnings.push(o) },
  });
  t.teardown(() => whole.close?.());
  await t.test('within one server: the one entry whose bind succeeds is accepted', async (t) => {
    t.match(await whole.authenticate('sam', 'pw-Users', CONTEXT), { ok: true, profile: { uniqueId: `uid=sam,ou=Users,${base}` } });
    t.match(await whole.authenticate('sam', 'pw-Contractors', CONTEXT), { ok: true, profile: { uniqueId: `uid=sam,ou=Contractors,${base}` } });
    t.match(warnings[0], { event: 'ldap.username.ambiguous', username: 'sam' }, 'the ambiguity is logged');
  });
  await t.test('within one server: several successful binds are refused', async (t) => {
    t.match(await whole.authenticate('kim', 'same-password', CONTEXT), { ok: false, reason: 'ambiguous-user' });
  });
});

t.test('membership refresh: coalesced reads, removed members, disabled users', async (t) => {
  let now = Date.UTC(2025, 0, 1);
  const p = provider(slapdConfig(slapd, { permittedLoginGroups: ['Engineering'], membershipUpdateInterval: '4h', refreshGracePeriod: '15m' }), { clock: () => now });
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('bob', pw, CONTEXT);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome));
  const identity: Identity = { ...outcome.profile, groups: groupNames(outcome), role: 'viewer', authTime: now / 1000, refreshedAt: now / 1000 };
  now += 4 * 3_600_000;

  const [r1, r2] = [p.refresh?.(identity), p.refresh?.(identity)];
  t.equal(r1, r2, 'concurrent refreshes of one user share one directory read');
  t.match(await r1, { ok: true, profile: { username: 'bob', groups: [{ name: 'Engineering' }] } });

  await slapd.modify([`dn: cn=Engineering,ou=Groups,${base}`, 'changetype: modify', 'delete: member', `member: uid=bob,ou=Users,${base}`, ''].join('\n'));
  t.match(await judged(p, p.refresh?.(identity)), { ok: false, reason: 'not-permitted' }, 'removed from the permitted group');

  const alice = await p.authenticate('alice', pw, CONTEXT);
  if (!alice.ok) throw new Error(JSON.stringify(alice));
  await slapd.modify([`dn: uid=alice,ou=Users,${base}`, 'changetype: delete', ''].join('\n'));
  t.match(await p.refresh?.({ ...alice.profile, groups: [], role: 'viewer', authTime: 0, refreshedAt: 0 }), { ok: false, reason: 'user-gone' });

  await slapd.stopOnly();
  await t.rejects(p.refresh!({ ...identity, uniqueId: 'x' }) as Promise<unknown>, { code: 'ERR_LDAP_UNAVAILABLE' }, 'directory down: the caller applies the grace period');
  await slapd.restart();
});
