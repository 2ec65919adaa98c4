import t from 'tap';
import type { Identity } from '../../../src/core/identity.ts';
import { deriveSessionKeys } from '../../../src/session/keys.ts';
import { SessionManager } from '../../../src/session/manager.ts';
import { seal } from '../../../src/session/seal.ts';
import { memoryStore } from '../../../src/store/store.ts';

const MIN = 60_000;
const H = 60 * MIN;
const LIMITS = { idleTimeout: 8 * H, maxLifetime: 7 * 24 * H };
const OLD = 'o'.repeat(48);
const NEW = 'n'.repeat(48);
const T0 = Date.UTC(2025, 0, 1, 9);

const alice: Identity = { provider: 'local', uniqueId: 'u-1', username: 'alice', email: 'alice@example.com', groups: ['staff'], role: 'viewer', authTime: T0 / 1000, refreshedAt: T0 / 1000 };

function setup(secrets = [NEW], options: { importantGroups?: (g: string) => boolean } = {}) {
  let now = T0;
  const store = memoryStore(() => now);
  const manager = new SessionManager({ keys: deriveSessionKeys(secrets), limits: LIMITS, store, cookieName: 'authgate', cacheSize: 100, now: () => now, ...options });
  return { manager, store, advance: (ms: number) => (now += ms), now: () => now };
}
/** The Cookie header a browser would send back for a Set-Cookie. */
const cookieFrom = (setCookie: string) => `other=1; ${setCookie.split(';')[0]}`;
const attributes = (setCookie: string) => setCookie.split('; ').slice(1);

t.test('no cookie: no session, nothing invalid', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  t.same(await manager.read(undefined), {});
  t.same(await manager.read('a=1; b=2'), {});
  t.same(await manager.read('__Host-authgate='), {});
});

t.test('create issues a __Host- cookie for the whole lifetime, new sid each time', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const a = await manager.create(alice);
  const b = await manager.create(alice);
  t.not(a.session.sid, b.session.sid, 'no fixation: a fresh id per login');
  t.match(a.session.sid, /^[A-Za-z0-9_-]{24}$/);
  t.equal(a.session.createdAt, T0);
  t.equal(a.session.lastSeen, T0);
  t.match(a.setCookie, /^__Host-authgate=[A-Za-z0-9_.-]+; /);
  t.same(attributes(a.setCookie), ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax', `Max-Age=${7 * 24 * 3600}`]);
  t.equal(manager.wireName, '__Host-authgate');
});

t.test('read returns the session; cached on the second read', async (t) => {
  const { manager, store, advance } = setup();
  t.teardown(() => store.close());
  const { session, setCookie } = await manager.create(alice, { refreshToken: 'rt', idToken: 'it' });
  advance(1000);
  const first = await manager.read(cookieFrom(setCookie));
  t.same(first, { session });
  const second = await manager.read(cookieFrom(setCookie));
  t.same(second, { session });
  t.equal(manager.cacheStats.hits, 1);
  t.equal(manager.cacheStats.misses, 1);
});

t.test('renewal Set-Cookie only after the touch interval; idle expiry slides', async (t) => {
  const { manager, store, advance, now } = setup();
  t.teardown(() => store.close());
  const created = await manager.create(alice);
  advance(5 * MIN - 1);
  const quiet = await manager.read(cookieFrom(created.setCookie));
  t.ok(quiet.session && !('setCookie' in quiet && quiet.setCookie), 'no write inside the touch interval');
  advance(1);
  const renewed = await manager.read(cookieFrom(created.setCookie));
  if (!renewed.session || !renewed.setCookie) throw new Error('expected a renewal');
  t.equal(renewed.session.lastSeen, now());
  t.equal(renewed.session.sid, created.session.sid, 'same session id');
  t.same(attributes(renewed.setCookie), ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax', `Max-Age=${7 * 24 * 3600 - 5 * 60}`], 'Max-Age counts down to the absolute end');
  // 8h after creation the original cookie is idle-expired, the renewed one is not.
  advance(8 * H - 5 * MIN);
  t.same(await manager.read(cookieFrom(created.setCookie)), { invalid: 'idle-expired' });
  const later = await manager.read(cookieFrom(renewed.setCookie));
  t.equal(later.session?.sid, created.session.sid);
});

t.test('a background read never renews: background reads alone reach the idle timeout', async (t) => {
  const { manager, store, advance } = setup();
  t.teardown(() => store.close());
  const created = await manager.create(alice);
  for (let i = 0; i < 7; i++) {
    advance(H);
    const polled = await manager.read(cookieFrom(created.setCookie), undefined, { background: true });
    t.ok(polled.session && !('setCookie' in polled && polled.setCookie), `hour ${i + 1}: valid, not renewed`);
  }
  advance(H);
  t.same(await manager.read(cookieFrom(created.setCookie), undefined, { background: true }), { invalid: 'idle-expired' });
});

t.test('idle expiry with an injected clock', async (t) => {
  const { manager, store, advance } = setup();
  t.teardown(() => store.close());
  const { setCookie } = await manager.create(alice);
  await manager.read(cookieFrom(setCookie)); // cached
  advance(8 * H);
  t.same(await manager.read(cookieFrom(setCookie)), { invalid: 'idle-expired' });
  t.same(await manager.read(cookieFrom(setCookie)), { invalid: 'idle-expired' }, 'still expired after the cache entry is dropped');
});

t.test('absolute expiry even when the session is kept active', async (t) => {
  const { manager, store, advance } = setup();
  t.teardown(() => store.close());
  let { setCookie } = await manager.create(alice);
  for (let elapsed = 0; elapsed < 7 * 24 * H - 6 * H; elapsed += 6 * H) {
    advance(6 * H);
    const read = await manager.read(cookieFrom(setCookie));
    if (!read.session) throw new Error(`lost the session after ${elapsed}`);
    setCookie = read.setCookie ?? setCookie;
  }
  advance(6 * H);
  t.same(await manager.read(cookieFrom(setCookie)), { invalid: 'expired' });
});

t.test('revoked sid is refused, even from the cache', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const { session, setCookie } = await manager.create(alice);
  const other = await manager.create(alice);
  t.ok((await manager.read(cookieFrom(setCookie))).session, 'cached');
  await manager.revoke(session);
  t.same(await manager.read(cookieFrom(setCookie)), { invalid: 'revoked' });
  t.ok((await manager.read(cookieFrom(other.setCookie))).session, 'other sessions unaffected');
  t.equal(await store.isRevoked(session.sid), true);
});

t.test('revocation is kept until the session would have expired anyway', async (t) => {
  const { manager, store, advance } = setup();
  t.teardown(() => store.close());
  const { session } = await manager.create(alice);
  await manager.revoke(session);
  advance(7 * 24 * H - 1);
  t.equal(await store.isRevoked(session.sid), true);
  advance(1);
  t.equal(await store.isRevoked(session.sid), false);
});

t.test('rotation: a cookie sealed with the old secret still reads after rotation, not after removal', async (t) => {
  const before = setup([OLD]);
  const { setCookie } = await before.manager.create(alice);
  await before.store.close();
  const rotated = setup([NEW, OLD]);
  t.equal((await rotated.manager.read(cookieFrom(setCookie))).session?.identity.username, 'alice');
  await rotated.store.close();
  const removed = setup([NEW]);
  t.same(await removed.manager.read(cookieFrom(setCookie)), { invalid: 'unknown-key' });
  await removed.store.close();
});

t.test('foreign, tampered and mis-shaped cookies are no session, with a reason', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const keys = deriveSessionKeys([NEW]);
  const { setCookie } = await manager.create(alice);
  const token = setCookie.split(';')[0]?.split('=')[1] as string;
  const cases: Array<[string, string, string]> = [
    ['garbage', 'garbage', 'malformed'],
    ['truncated', token.slice(0, -5), 'tampered'],
    ['last part dropped', token.split('.').slice(0, 4).join('.'), 'malformed'],
    ['foreign key', await seal({ sid: 'x', createdAt: T0, lastSeen: T0, identity: alice }, 'session', deriveSessionKeys(['f'.repeat(40)])), 'unknown-key'],
    ['OIDC state used as a session', await seal({ sid: 'x', createdAt: T0, lastSeen: T0, identity: alice }, 'oidc-tx', keys), 'wrong-purpose'],
    ['sealed payload without identity', await seal({ sid: 'x', createdAt: T0, lastSeen: T0 }, 'session', keys), 'malformed'],
    ['session from the future', await seal({ sid: 'x', createdAt: T0 + H, lastSeen: T0 + H, identity: alice }, 'session', keys), 'not-yet-valid'],
  ];
  for (const [name, value, invalid] of cases) {
    t.same(await manager.read(`__Host-authgate=${value}`), { invalid }, name);
  }
});

function manyGroups(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `CN=Project team ${String(i).padStart(5, '0')} with a fairly long name,OU=Groups,OU=Corp,DC=example,DC=com`);
}

t.test('a cookie with 2,000 long group names stays under 4096 bytes and keeps the important groups', async (t) => {
  const important = new Set(['cn=rstudio admins,ou=groups,dc=example,dc=com', 'contractors']);
  const { manager, store } = setup([NEW], { importantGroups: (g) => important.has(g.toLowerCase()) });
  t.teardown(() => store.close());
  const groups = manyGroups(2000);
  groups.splice(1500, 0, 'CN=RStudio Admins,OU=Groups,DC=example,DC=com');
  groups.push('Contractors');
  const identity = { ...alice, groups };
  const { setCookie } = await manager.create(identity, { refreshToken: 'r'.repeat(200), idToken: 'i'.repeat(1500) });
  t.ok(Buffer.byteLength(setCookie) < 4096, `Set-Cookie is ${Buffer.byteLength(setCookie)} bytes`);
  // docs/sessions.md: the sealed value never exceeds 3,800 bytes.
  t.ok((setCookie.split(';')[0] as string).length - '__Host-authgate='.length <= 3800);
  const read = await manager.read(cookieFrom(setCookie));
  if (!read.session) throw new Error(`unreadable: ${JSON.stringify(read)}`);
  const kept = read.session.identity.groups;
  t.ok(kept.includes('CN=RStudio Admins,OU=Groups,DC=example,DC=com'), 'important DN kept');
  t.ok(kept.includes('Contractors'), 'important name kept');
  t.ok(kept.length > 2 && kept.length < 2002, `${kept.length} groups kept`);
  t.equal(read.session.idToken, undefined, 'the ID token goes first');
  t.equal(read.session.refreshToken, 'r'.repeat(200), 'the refresh token stays');
  t.equal(read.session.identity.username, 'alice');
});

t.test('a small session keeps its ID token and every group', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const identity = { ...alice, groups: manyGroups(10) };
  const { setCookie } = await manager.create(identity, { idToken: 'i'.repeat(500) });
  const read = await manager.read(cookieFrom(setCookie));
  t.same(read.session?.identity.groups, identity.groups);
  t.equal(read.session?.idToken, 'i'.repeat(500));
});

t.test('shrinking without important groups still fits', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const { setCookie } = await manager.create({ ...alice, groups: manyGroups(2000) });
  t.ok(Buffer.byteLength(setCookie) < 4096);
  t.ok((await manager.read(cookieFrom(setCookie))).session);
});

t.test('clearCookie expires the cookie', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  t.equal(manager.clearCookie(), '__Host-authgate=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0');
});

t.test('regression: an old cookie sent again after renewal reuses the renewal instead of sealing a new cookie per request', async (t) => {
  const { deriveSessionKeys: derive, memoryStore: store, SessionManager: Manager } = await import('../../../src/session/index.ts');
  let clock = 1_000_000;
  const manager = new Manager({ keys: derive(['a-session-secret-that-is-long-enough-0123456789']), limits: { idleTimeout: 3_600_000, maxLifetime: 86_400_000 }, store: store(() => clock), cookieName: 'authgate', cacheSize: 100, now: () => clock });
  const identity = { provider: 'p', uniqueId: 'u', username: 'alice', groups: [], role: 'viewer' as const, authTime: 1, refreshedAt: 1 };
  const { setCookie } = await manager.create(identity);
  const cookie = setCookie.split(';', 1)[0]!;
  clock += 6 * 60_000;
  const first = await manager.read(cookie);
  clock += 1000;
  const second = await manager.read(cookie);
  t.ok(first.session && 'setCookie' in first && first.setCookie, 'renewed');
  t.equal((second as { setCookie?: string }).setCookie, (first as { setCookie?: string }).setCookie, 'the same renewal, not a new seal');
  clock += 6 * 60_000;
  const later = await manager.read(cookie);
  t.not((later as { setCookie?: string }).setCookie, (first as { setCookie?: string }).setCookie, 'a later touch renews again');
});

t.test('read with a token-key memo: the memo derives the cache key, the answer is the same', async (t) => {
  const { manager, store } = setup();
  t.teardown(() => store.close());
  const a = await manager.create(alice);
  const b = await manager.create({ ...alice, username: 'bob', uniqueId: 'u-2' });
  const seen: string[] = [];
  let last: { token: string; key: string } | undefined;
  // A memo like the pipeline's per-connection one: remembers the previous token only.
  const memo = {
    keyOf(token: string, derive: (token: string) => string) {
      seen.push(token);
      if (last?.token !== token) last = { token, key: derive(token) };
      return last.key;
    },
  };
  t.same(await manager.read(cookieFrom(a.setCookie), memo), { session: a.session });
  t.same(await manager.read(cookieFrom(a.setCookie), memo), { session: a.session });
  t.same(await manager.read(cookieFrom(b.setCookie), memo), { session: b.session }, 'another token on the same memo reads its own session');
  t.same(await manager.read(cookieFrom(a.setCookie)), { session: a.session }, 'the key a memo returns is the one read() derives without it');
  t.equal(manager.cacheStats.misses, 2, 'one unseal per token, memo or not');
  t.equal(seen.length, 3);
  t.same(await manager.read('a=1', memo), {}, 'no token: the memo is not asked');
  t.equal(seen.length, 3);
});
