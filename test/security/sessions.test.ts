/**
 * Hostile session cookies: tampered, truncated, swapped between users, replayed after logout,
 * sealed with an old or removed secret, JWE headers changed (crafted with jose), cookies of
 * another purpose, and well-sealed payloads of the wrong shape. Each is no session (401,
 * nothing forwarded) and never a 500.
 */
import t from 'tap';
import { CompactEncrypt, base64url } from 'jose';
import { createSecretKey, randomBytes } from 'node:crypto';
import { startAuthgate, fetchText, login, SECRET_A, SECRET_B, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { deriveSessionKeys, seal, type SealPurpose, type SessionKeys } from '../../src/session/index.ts';

const OLD_SECRET = 'test-secret-OLD-0123456789abcdefghijklmnopqrstuvwxyz';
const keys = deriveSessionKeys([SECRET_A, OLD_SECRET]);
const oldOnly = deriveSessionKeys([OLD_SECRET]);
const removed = deriveSessionKeys([SECRET_B]);
const encoder = new TextEncoder();

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({ secrets: [SECRET_A, OLD_SECRET], config: { upstream: { url: upstream.url } } });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

const value = (cookie: string) => cookie.slice('__Host-authgate='.length);

/** GET /app with this session cookie value: status, and whether the upstream saw it. */
async function tryCookie(token: string, extraCookies = ''): Promise<{ status: number; forwarded: boolean; username?: string }> {
  const before = upstream.received.length;
  const r = await fetchText(ag, '/app', { headers: { cookie: `${extraCookies}__Host-authgate=${token}`, accept: 'application/json' } });
  const seen = upstream.received.slice(before).at(-1);
  return { status: r.status, forwarded: seen !== undefined, ...(seen ? { username: String(seen.headers['x-auth-username']) } : {}) };
}

function sessionPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    sid: randomBytes(18).toString('base64url'),
    identity: { provider: 'local-accounts', uniqueId: 'local-accounts:mallory', username: 'mallory', groups: ['admins'], role: 'administrator', authTime: Math.floor(now / 1000), refreshedAt: Math.floor(now / 1000) },
    createdAt: now,
    lastSeen: now,
    ...overrides,
  };
}

/** A compact JWE with any protected header, encrypted with jose. */
async function craft(header: Record<string, unknown>, payload: Record<string, unknown>, key: Uint8Array | ReturnType<typeof createSecretKey>): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify(payload))).setProtectedHeader(header as never).encrypt(key as never);
}

t.test('control: a genuine cookie and one sealed with the second (old) secret are sessions', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  t.match(await tryCookie(value(cookie!)), { status: 200, forwarded: true, username: 'bob' });
  const old = await seal(sessionPayload({ identity: { provider: 'local-accounts', uniqueId: 'local-accounts:bob', username: 'bob', groups: [], role: 'viewer', authTime: 0, refreshedAt: 0 } }), 'session', oldOnly);
  t.match(await tryCookie(old), { status: 200, forwarded: true, username: 'bob' }, 'old secret still unseals (rotation)');
});

t.test('tampered and truncated cookies', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const token = value(cookie!);
  const parts = token.split('.');
  const variants: Array<[string, string]> = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    for (const at of [0, Math.floor(part.length / 2), part.length - 2]) {
      const flipped = `${part.slice(0, at)}${part[at] === 'A' ? 'B' : 'A'}${part.slice(at + 1)}`;
      variants.push([`part ${i} flipped at ${at}`, parts.map((p, j) => (j === i ? flipped : p)).join('.')]);
    }
    variants.push([`part ${i} emptied`, parts.map((p, j) => (j === i ? '' : p)).join('.')]);
    variants.push([`part ${i} swapped with garbage`, parts.map((p, j) => (j === i ? 'AAAA' : p)).join('.')]);
  }
  for (const cut of [1, 2, 5, 16, 40, Math.floor(token.length / 2), token.length - 1]) variants.push([`truncated by ${cut}`, token.slice(0, token.length - cut)]);
  variants.push(['extra part', `${token}.AAAA`], ['doubled', `${token}${token}`], ['a dot appended', `${token}.`], ['padding added', `${token}==`], ['base64 instead of base64url', token.replace(/-/g, '+').replace(/_/g, '/')]);
  variants.push(['tag of another cookie', [...parts.slice(0, 4), value((await login(ag, 'alice', 'alice-Passw0rd!')).cookie!).split('.')[4]].join('.')]);
  for (const [name, bad] of variants) {
    const r = await tryCookie(bad);
    t.same(r, { status: 401, forwarded: false }, name);
  }
});

t.test('sealed with a removed secret, or with a key derived from nothing configured', async (t) => {
  for (const [name, k] of [['removed secret', removed], ['random secret', deriveSessionKeys([randomBytes(32).toString('hex')])]] as Array<[string, SessionKeys]>) {
    t.same(await tryCookie(await seal(sessionPayload(), 'session', k)), { status: 401, forwarded: false }, name);
    // The foreign key under the kid of a configured key.
    const forged = await craft({ alg: 'dir', enc: 'A256GCM', kid: keys.sealing.kid, typ: 'session' }, sessionPayload(), k.sealing.key);
    t.same(await tryCookie(forged), { status: 401, forwarded: false }, `${name} under our kid`);
  }
});

t.test('JWE header changes: alg, enc, typ, kid, crit, zip', async (t) => {
  const k = keys.sealing;
  const p = sessionPayload();
  const raw = new Uint8Array(k.raw);
  const cases: Array<[string, () => Promise<string>]> = [
    ['typ oidc-tx', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'oidc-tx' }, p, k.key)],
    ['typ login-csrf', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'login-csrf' }, p, k.key)],
    ['typ JWT', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'JWT' }, p, k.key)],
    ['no typ', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid }, p, k.key)],
    ['typ in upper case', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'SESSION' }, p, k.key)],
    ['no kid', () => craft({ alg: 'dir', enc: 'A256GCM', typ: 'session' }, p, k.key)],
    ['unknown kid', () => craft({ alg: 'dir', enc: 'A256GCM', kid: 'not-a-key', typ: 'session' }, p, k.key)],
    ['kid as a number', () => craft({ alg: 'dir', enc: 'A256GCM', kid: 1, typ: 'session' }, p, k.key)],
    ['kid of the old key, sealed with the new', () => craft({ alg: 'dir', enc: 'A256GCM', kid: keys.all[1]!.kid, typ: 'session' }, p, k.key)],
    ['enc A128GCM with half the key', () => craft({ alg: 'dir', enc: 'A128GCM', kid: k.kid, typ: 'session' }, p, raw.slice(0, 16))],
    ['enc A192GCM', () => craft({ alg: 'dir', enc: 'A192GCM', kid: k.kid, typ: 'session' }, p, raw.slice(0, 24))],
    ['enc A256CBC-HS512 with a doubled key', () => craft({ alg: 'dir', enc: 'A256CBC-HS512', kid: k.kid, typ: 'session' }, p, new Uint8Array([...raw, ...raw]))],
    ['alg A256KW with the key as KEK', () => craft({ alg: 'A256KW', enc: 'A256GCM', kid: k.kid, typ: 'session' }, p, k.key)],
    ['alg A256GCMKW', () => craft({ alg: 'A256GCMKW', enc: 'A256GCM', kid: k.kid, typ: 'session' }, p, k.key)],
    ['alg PBES2 with the secret as password', () => craft({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', kid: k.kid, typ: 'session', p2c: 1000, p2s: base64url.encode(randomBytes(16)) }, p, encoder.encode(SECRET_A))],
    ['zip DEF with a foreign key', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'session', zip: 'DEF' }, p, removed.sealing.key)],
    ['crit with an unknown extension', () => craft({ alg: 'dir', enc: 'A256GCM', kid: k.kid, typ: 'session', crit: ['exp'], exp: 1 }, p, k.key).catch(() => 'unsupported')],
    ['alg none header with a genuine body', async () => {
      const genuine = (await seal(p, 'session', keys)).split('.');
      return [base64url.encode(JSON.stringify({ alg: 'none', enc: 'A256GCM', kid: k.kid, typ: 'session' })), ...genuine.slice(1)].join('.');
    }],
    ['header swapped for another kid after sealing', async () => {
      const genuine = (await seal(p, 'session', keys)).split('.');
      return [base64url.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: keys.all[1]!.kid, typ: 'session' })), ...genuine.slice(1)].join('.');
    }],
  ];
  for (const [name, make] of cases) {
    const token = await make();
    t.same(await tryCookie(token), { status: 401, forwarded: false }, name);
  }
  t.ok(ag.audit.some((l) => l.includes('"session.invalid"')), 'refusals are audited');
});

t.test('cookies of another purpose are no session', async (t) => {
  const purposes: SealPurpose[] = ['oidc-tx', 'login-csrf'];
  for (const purpose of purposes) t.same(await tryCookie(await seal(sessionPayload(), purpose, keys)), { status: 401, forwarded: false }, purpose);
  const page = await fetchText(ag, '/__authgate__/login');
  const csrfValue = page.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!.split(';')[0]!.split('=')[1]!;
  t.same(await tryCookie(csrfValue), { status: 401, forwarded: false }, 'the CSRF cookie value as a session');
});

t.test('well-sealed payloads of the wrong shape are no session, never a 500', async (t) => {
  const id = (sessionPayload().identity as Record<string, unknown>);
  const shapes: Array<[string, Record<string, unknown>]> = [
    ['empty object', {}],
    ['sid missing', sessionPayload({ sid: undefined })],
    ['sid a number', sessionPayload({ sid: 42 })],
    ['createdAt a string', sessionPayload({ createdAt: String(Date.now()) })],
    ['identity null', sessionPayload({ identity: null })],
    ['identity an array', sessionPayload({ identity: [] })],
    ['groups a string', sessionPayload({ identity: { ...id, groups: 'admins' } })],
    ['username missing', sessionPayload({ identity: { ...id, username: undefined } })],
    ['created in the future', sessionPayload({ createdAt: Date.now() + 86_400_000, lastSeen: Date.now() + 86_400_000 })],
    ['created long ago', sessionPayload({ createdAt: 0, lastSeen: Date.now() })],
    ['idle for a day', sessionPayload({ lastSeen: Date.now() - 86_400_000, createdAt: Date.now() - 86_400_000 })],
  ];
  for (const [name, payload] of shapes) {
    const r = await tryCookie(await seal(payload, 'session', keys));
    t.same(r, { status: 401, forwarded: false }, name);
  }
  const odd: Array<[string, Record<string, unknown>]> = [
    ['email an object', sessionPayload({ identity: { ...id, email: { toString: 1 } } })],
    ['first name a number', sessionPayload({ identity: { ...id, firstName: 7 } })],
    ['groups of mixed types', sessionPayload({ identity: { ...id, groups: [1, null, { a: 1 }, ['x']] } })],
    ['unknown role', sessionPayload({ identity: { ...id, role: 'root' } })],
    ['refresh token an object', sessionPayload({ refreshToken: { a: 1 } })],
  ];
  for (const [name, payload] of odd) {
    t.same(await tryCookie(await seal(payload, 'session', keys)), { status: 401, forwarded: false }, `regression: a sealed session with ${name} ended the request with a 500`);
  }
  const injected = await tryCookie(await seal(sessionPayload({ identity: { ...id, username: 'a\r\nX-Injected: 1' } }), 'session', keys));
  t.equal(injected.status, 200, 'a username with CR LF is forwarded percent-encoded');
  t.notOk(upstream.received.at(-1)!.headers['x-injected'], 'no header injection');
});

t.test('several session cookies: only the first counts, a valid second cannot rescue a forged first', async (t) => {
  const bob = value((await login(ag, 'bob', 'bob-Passw0rd!')).cookie!);
  const forged = await seal(sessionPayload(), 'session', removed);
  t.same(await tryCookie(bob, `__Host-authgate=${forged}; `), { status: 401, forwarded: false }, 'forged first, valid second');
  t.match(await tryCookie(forged, `__Host-authgate=${bob}; `), { status: 200, username: 'bob' }, 'valid first, forged second: the first wins');
  const lower = await fetchText(ag, '/app', { headers: { cookie: `__host-authgate=${bob}`, accept: 'application/json' } });
  t.equal(lower.status, 401, 'the cookie name is case-sensitive (__host-)');
  const quoted = await tryCookie(`"${bob}"`);
  t.match(quoted, { status: 200, username: 'bob' }, 'a quoted value is the same cookie (RFC 6265)');
});

t.test('swapped between users: alice\'s cookie with bob\'s logout CSRF token is refused', async (t) => {
  const alice = (await login(ag, 'alice', 'alice-Passw0rd!')).cookie!;
  const bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
  const bobPage = await fetchText(ag, '/__authgate__/logout', { headers: { cookie: bob } });
  const bobToken = /name="csrf" value="([^"]+)"/.exec(bobPage.body)![1]!;
  const swapped = await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: alice, 'content-type': 'application/x-www-form-urlencoded', origin: ag.origin }, body: `csrf=${bobToken}` });
  t.equal(swapped.status, 403, 'bob\'s token does not log alice out');
  t.match(await tryCookie(value(alice)), { status: 200, username: 'alice' }, 'alice is still signed in');
  t.match(await tryCookie(value(bob)), { status: 200, username: 'bob' }, 'bob too');
  // Login CSRF bound to one browser's nonce, replayed with another browser's cookie.
  const pageA = await fetchText(ag, '/__authgate__/login');
  const pageB = await fetchText(ag, '/__authgate__/login');
  const tokenA = /name="csrf" value="([^"]+)"/.exec(pageA.body)![1]!;
  const cookieB = pageB.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!.split(';')[0]!;
  const crossed = await fetchText(ag, '/__authgate__/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieB, origin: ag.origin },
    body: new URLSearchParams({ provider: 'local-accounts', username: 'bob', password: 'bob-Passw0rd!', csrf: tokenA, rd: '/' }).toString(),
  });
  t.equal(crossed.status, 403, 'a login CSRF token from another browser is refused');
});

t.test('replayed after logout: refused on HTTP, WebSocket and userinfo; the swapped user is unaffected', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const other = (await login(ag, 'alice', 'alice-Passw0rd!')).cookie!;
  const page = await fetchText(ag, '/__authgate__/logout', { headers: { cookie: cookie! } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const out = await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded', origin: ag.origin }, body: `csrf=${csrf}` });
  t.equal(out.status, 302);
  for (let i = 0; i < 3; i++) t.same(await tryCookie(value(cookie!)), { status: 401, forwarded: false }, `replay ${i + 1}`);
  t.equal((await fetchText(ag, '/__authgate__/userinfo', { headers: { cookie: cookie! } })).status, 401, 'userinfo refuses it');
  const WebSocket = (await import('ws')).default;
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws`, { ca: ag.cert.ca, headers: { cookie: cookie! } });
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(101));
    ws.once('error', () => resolve(0));
  });
  ws.terminate();
  t.equal(status, 401, 'a WebSocket upgrade with the revoked cookie is refused');
  t.match(await tryCookie(value(other)), { status: 200, username: 'alice' }, 'another session of the same user is not revoked');
  const again = await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded', origin: ag.origin }, body: `csrf=${csrf}` });
  t.equal(again.status, 302, 'a replayed logout is harmless');
});
