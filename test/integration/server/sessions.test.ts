/** Sessions, login and logout with local accounts, and the signed assertion, over real HTTPS. */
import t from 'tap';
import WebSocket from 'ws';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startAuthgate, fetchText, login, cookiePair, SECRET_A, SECRET_B, type TestAuthgate } from '../../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../../support/upstream.ts';

let upstream: TestUpstream;
let clock = Date.now();
const now = () => clock;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    now,
    config: {
      upstream: { url: upstream.url, passApiKeys: true },
      authorization: { rules: [{ name: 'connect-api-keys', paths: ['/__api__/**'], apiKeys: true, action: 'allow' }] },
      session: { idleTimeout: '30m', maxLifetime: '8h' },
      auth: { throttle: { window: '10m', maxFailuresPerUser: 3, maxFailuresPerIp: 50, lockout: '5m' } },
    },
  });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

t.test('login page: accessible form, CSRF cookie, provider names', async (t) => {
  const page = await fetchText(ag, '/__authgate__/login?rd=/app', { headers: { accept: 'text/html' } });
  t.equal(page.status, 200);
  t.match(page.body, /<label for="u-local-accounts">Username<\/label>/);
  t.match(page.body, /autocomplete="current-password"/);
  t.match(page.body, /name="rd" value="\/app"/);
  const csrf = page.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!;
  t.match(csrf, /; Path=\/; Secure; HttpOnly; SameSite=Lax/);
});

t.test('successful login: fresh __Host- session cookie, redirect to the return path, audit event', async (t) => {
  const { response, cookie } = await login(ag, 'alice', 'alice-Passw0rd!', { rd: '/projects/1?tab=2' });
  t.equal(response.status, 302);
  t.equal(response.headers.location, '/projects/1?tab=2');
  const set = response.setCookies.find((c) => c.startsWith('__Host-authgate='))!;
  t.match(set, /; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+/);
  t.notMatch(set, /Domain=/i);
  t.ok(set.length < 4096, `cookie is ${set.length} bytes`);
  const again = await login(ag, 'alice', 'alice-Passw0rd!');
  t.not(again.cookie, cookie, 'every login gets a new session (no fixation)');
  t.ok(ag.audit.some((l) => l.includes('"auth.login.succeeded"') && l.includes('"alice"')));
  const me = JSON.parse((await fetchText(ag, '/__authgate__/userinfo', { headers: { cookie: cookie! } })).body);
  t.equal(me.username, 'alice');
  t.equal(me.role, 'publisher');
  t.same(me.groups, ['analysts', 'rstudio-users']);
  t.notOk(JSON.stringify(me).includes('Passw0rd'));
});

t.test('failed login: non-revealing message, no session, audited', async (t) => {
  for (const [user, password] of [['alice', 'wrong'], ['nobody', 'whatever']]) {
    const { response, cookie } = await login(ag, user as string, password as string);
    t.equal(response.status, 401);
    t.match(response.body, /Invalid username or password/);
    t.notOk(cookie);
  }
  t.ok(ag.audit.some((l) => l.includes('"auth.login.failed"') && l.includes('"bad-credentials"')));
});

t.test('login POST without a valid CSRF token or from another origin is refused', async (t) => {
  const form = new URLSearchParams({ provider: 'local-accounts', username: 'alice', password: 'alice-Passw0rd!', csrf: 'forged', rd: '/' }).toString();
  const forged = await fetchText(ag, '/__authgate__/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: '__Host-authgate-csrf=abcdefghijklmnopqrstuvwxyz' }, body: form });
  t.equal(forged.status, 403);
  t.notOk(forged.setCookies.some((c) => c.startsWith('__Host-authgate=') && !c.startsWith('__Host-authgate=;')));
  const page = await fetchText(ag, '/__authgate__/login');
  const csrfCookie = cookiePair(page.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!);
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const crossSite = await fetchText(ag, '/__authgate__/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, origin: 'https://evil.example' },
    body: new URLSearchParams({ provider: 'local-accounts', username: 'alice', password: 'alice-Passw0rd!', csrf: token, rd: '/' }).toString(),
  });
  t.equal(crossSite.status, 403);
});

const OPEN_REDIRECTS = ['//evil.example', '/\\evil.example', 'https:evil.example', 'https://evil.example/', '%2F%2Fevil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/\t/evil.example', 'javascript:alert(1)', '\\\\evil.example', '/%252F%252Fevil.example', '/..//evil.example'];
for (const payload of OPEN_REDIRECTS) {
  t.test(`open redirect payload ${JSON.stringify(payload)} falls back to a same-origin path`, async (t) => {
    const { response } = await login(ag, 'bob', 'bob-Passw0rd!', { rd: payload });
    t.equal(response.status, 302);
    const location = String(response.headers.location);
    t.ok(location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\'), `location ${location}`);
    t.equal(new URL(location, 'https://localhost').host, 'localhost');
  });
}

t.test('tampered, truncated and foreign cookies are no session (and audited), never a 500', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const value = cookie!.slice('__Host-authgate='.length);
  const parts = value.split('.');
  const flipped = parts.map((p, i) => (i === 3 ? `${p.slice(0, -2)}${p.at(-2) === 'A' ? 'B' : 'A'}${p.at(-1)}` : p)).join('.');
  const variants = [value.slice(0, -5), flipped, `${Buffer.from('{"alg":"none"}').toString('base64url')}..${parts[2]}.${parts[3]}.${parts[4]}`, 'garbage', 'a.b.c.d.e', '%00%00', 'x'.repeat(5000)];
  for (const bad of variants) {
    const r = await fetchText(ag, '/app', { headers: { cookie: `__Host-authgate=${bad}`, accept: 'application/json' } });
    t.equal(r.status, 401, `variant ${bad.slice(0, 20)}…`);
  }
  t.ok(ag.audit.some((l) => l.includes('"session.invalid"')));
});

t.test('idle timeout and absolute lifetime end sessions (injected clock)', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  clock += 29 * 60_000;
  const renewed = await fetchText(ag, '/app', { headers: { cookie: cookie!, accept: 'application/json' } });
  t.equal(renewed.status, 200, 'still valid within the idle timeout');
  const fresh = renewed.setCookies.find((c) => c.startsWith('__Host-authgate='));
  t.ok(fresh, 'the cookie is renewed so idle expiry slides');
  t.ok(renewed.setCookies.some((c) => c.startsWith('upstream=1')), "the upstream's own Set-Cookie is sent beside the renewal");
  clock += 29 * 60_000;
  t.equal((await fetchText(ag, '/app', { headers: { cookie: cookiePair(fresh!), accept: 'application/json' } })).status, 200, 'renewed cookie still valid');
  t.equal((await fetchText(ag, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 401, 'the old cookie idled out');
  clock += 8 * 3_600_000;
  t.equal((await fetchText(ag, '/app', { headers: { cookie: cookiePair(fresh!), accept: 'application/json' } })).status, 401, 'absolute lifetime over');
});

t.test('logout: GET confirms, POST revokes; the old cookie replayed is refused', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const confirm = await fetchText(ag, '/__authgate__/logout', { headers: { cookie: cookie! } });
  t.equal(confirm.status, 200);
  t.match(confirm.body, /Sign out/);
  t.equal((await fetchText(ag, '/app', { headers: { cookie: cookie! } })).status, 200, 'GET did not log out');
  const token = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const bad = await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=nope' });
  t.equal(bad.status, 403);
  const out = await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${token}` });
  t.equal(out.status, 302);
  t.match(out.setCookies.join(), /__Host-authgate=; .*Max-Age=0/);
  const replay = await fetchText(ag, '/app', { headers: { cookie: cookie!, accept: 'application/json' } });
  t.equal(replay.status, 401);
  t.ok(ag.audit.some((l) => l.includes('"auth.logout"')));
});

t.test('secret rotation: old secret second still unseals; removed secret does not', async (t) => {
  const oldOnly = await startAuthgate({ secrets: [SECRET_A], config: { upstream: { url: upstream.url } } });
  const { cookie } = await login(oldOnly, 'bob', 'bob-Passw0rd!');
  await oldOnly.stop();
  const rotated = await startAuthgate({ secrets: [SECRET_B, SECRET_A], config: { upstream: { url: upstream.url } } });
  t.teardown(() => rotated.stop());
  t.equal((await fetchText(rotated, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 200, 'sealed with the old secret, accepted after rotation');
  const removed = await startAuthgate({ secrets: [SECRET_B], config: { upstream: { url: upstream.url } } });
  t.teardown(() => removed.stop());
  t.equal((await fetchText(removed, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 401, 'sealed with a removed secret, refused');
});

t.test('identity headers in every spelling never reach the upstream; the assertion verifies against the JWKS', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const spoof = { 'X-AUTH-USERNAME': 'admin', 'x-auth-role': 'administrator', 'X_Auth_Groups': 'admins', 'x-rstudio-username': 'root', 'X-Authgate-Assertion': 'forged', 'remote-user': 'root', 'x-forwarded-user': 'root' };
  const r = await fetchText(ag, '/app', { headers: { cookie: cookie!, ...spoof } });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-auth-username'], 'bob');
  t.equal(seen.headers['x-auth-role'], 'viewer');
  t.notOk(seen.headers['x-rstudio-username']);
  t.notOk(seen.headers['remote-user']);
  t.notOk(seen.headers['x-forwarded-user']);
  const raw = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replace(/_/g, '-'));
  t.equal(raw.filter((n) => n === 'x-auth-username').length, 1, 'exactly one username header');
  const jwks = createRemoteJWKSet(new URL(`${ag.url}/__authgate__/jwks.json`), { [Symbol.for('undici.dispatcher')]: ag.agent } as never);
  const token = String(seen.headers['x-authgate-assertion']);
  const keys = JSON.parse((await fetchText(ag, '/__authgate__/jwks.json')).body);
  const { createLocalJWKSet } = await import('jose');
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys), { issuer: 'https://localhost', audience: upstream.url, algorithms: ['ES256'], currentDate: new Date(clock) });
  t.equal(payload.username, 'bob');
  t.equal(payload.role, 'viewer');
  t.ok(payload.sub && payload.jti && payload.sid && payload.exp! - payload.iat! <= 300);
  t.ok(protectedHeader.kid);
  void jwks;
  const second = await fetchText(ag, '/app2', { headers: { cookie: cookie! } });
  t.equal(second.status, 200);
  t.equal(upstream.received.at(-1)!.headers['x-authgate-assertion'], token, 'the token is reused within a session');
});

t.test('spoofed identity headers on WebSocket upgrades are stripped', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws`, { ca: ag.cert.ca, headers: { cookie: cookie!, 'X-Auth-Role': 'administrator', 'x_auth_username': 'admin' } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const seen = upstream.upgrades.at(-1)!;
  t.equal(seen.headers['x-auth-role'], 'viewer');
  t.equal(seen.headers['x-auth-username'], 'bob');
  t.notOk(seen.rawHeaders.some((h) => h === 'x_auth_username'));
  ws.close();
});

t.test('Connect API keys pass without a session where a rule admits them (passApiKeys); identity headers still stripped', async (t) => {
  const r = await fetchText(ag, '/__api__/v1/content', { headers: { authorization: 'Key abc123', 'x-auth-username': 'admin', accept: 'application/json' } });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers.authorization, 'Key abc123');
  t.notOk(seen.headers['x-auth-username']);
  const token = await fetchText(ag, '/__api__/v1/user', { headers: { 'x-auth-token': 'tok-123', 'x-auth-username': 'admin', accept: 'application/json' } });
  t.equal(token.status, 200);
  const seenToken = upstream.received.at(-1)!;
  t.equal(seenToken.headers['x-auth-token'], 'tok-123', 'regression: X-Auth-Token reached Connect although the x-auth- prefix is stripped');
  t.notOk(seenToken.headers['x-auth-username']);
});

t.test('failed logins are throttled per username; the lockout ends after its time', async (t) => {
  for (let i = 0; i < 3; i++) t.equal((await login(ag, 'eve', 'wrong')).response.status, 401);
  const locked = await login(ag, 'eve', 'eve-Passw0rd!');
  t.equal(locked.response.status, 429);
  t.match(locked.response.body, /Too many failed sign-in attempts/);
  t.notOk(locked.cookie);
  clock += 6 * 60_000;
  const after = await login(ag, 'eve', 'eve-Passw0rd!');
  t.equal(after.response.status, 302);
  t.ok(after.cookie);
});

t.test('logout closes the session\'s open WebSockets; messages over a WebSocket keep the session from idling out', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws`, { ca: ag.cert.ca, headers: { cookie: cookie! } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const echo = () => new Promise((resolve) => { ws.once('message', resolve); ws.send('input changed'); });
  for (let i = 0; i < 3; i++) {
    clock += 20 * 60_000;
    await new Promise((r) => setTimeout(r, 1100));
    await echo();
  }
  const page = await fetchText(ag, '/app', { headers: { cookie: cookie!, accept: 'application/json' } });
  t.equal(page.status, 200, 'an hour after the last HTTP request (idle timeout 30m), but the user kept working over the WebSocket');
  const confirm = await fetchText(ag, '/__authgate__/logout', { headers: { cookie: cookie! } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}` });
  const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 3000))]);
  t.equal(outcome, 'closed', 'regression: a WebSocket kept working after its session was logged out');
});

t.test('a quiet open WebSocket does not keep an idle session alive', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws`, { ca: ag.cert.ca, headers: { cookie: cookie! } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  clock += 31 * 60_000;
  t.equal((await fetchText(ag, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 401);
  ws.close();
});
