/**
 * Workbench's IDE marks background RPCs with `X-RStudio-Refresh-Auth-Creds: 0` (RpcRequest.java:
 * "inform the server if we should not refresh auth creds"). Through a real authgate and upstream,
 * on a clock the test moves: the header reaches the upstream, and background polls alone let the
 * session reach session.idleTimeout while a user request keeps it.
 */
import t from 'tap';
import { startAuthgate, fetchText, login, cookiePair, type TestAuthgate } from '../../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../../support/upstream.ts';

const MINUTE = 60_000;
let clock = Date.parse('2026-12-02T09:00:00Z');
let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({ config: { upstream: { url: upstream.url, profile: 'workbench' }, session: { idleTimeout: '10m' } }, now: () => clock });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

const S = '/s/9a8b7c6d5e4f3a2b1c0d9';
/** The IDE's event poll: a background RPC. */
const poll = (cookie: string) => fetchText(ag, `${S}/events/get_events`, { method: 'POST', headers: { cookie, accept: 'application/json', 'x-rstudio-refresh-auth-creds': '0' }, body: '{"method":"get_events","params":[1]}' });
/** Something the user did. */
const userRequest = (cookie: string) => fetchText(ag, `${S}/rpc/console_input`, { method: 'POST', headers: { cookie, accept: 'application/json', 'content-type': 'application/json' }, body: '{"method":"console_input","params":["1+1","",0]}' });

async function signIn(): Promise<string> {
  const session = await login(ag, 'alice', 'alice-Passw0rd!');
  if (!session.cookie) throw new Error('alice could not log in');
  return session.cookie;
}

t.test('the refresh header reaches Workbench (every other X-RStudio-* a client sends is stripped)', async (t) => {
  const cookie = await signIn();
  const r = await fetchText(ag, `${S}/events/get_events`, { method: 'POST', headers: { cookie, 'x-rstudio-refresh-auth-creds': '0', 'x-rstudio-username': 'root' }, body: '{}' });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-rstudio-refresh-auth-creds'], '0');
  t.equal(seen.headers['x-rstudio-username'], 'alice', 'the username is authgate\'s, never the client\'s');
});

t.test('background polls alone let the session idle out', async (t) => {
  const cookie = await signIn();
  for (const minutes of [3, 6, 9]) {
    clock += 3 * MINUTE;
    const r = await poll(cookie);
    t.equal(r.status, 200, `poll after ${minutes} min answered`);
    t.notOk(r.setCookies.some((c) => c.startsWith('__Host-authgate=')), 'no renewal');
  }
  clock += 2 * MINUTE; // 11 minutes since the login, 11 since the last user request
  const late = await poll(cookie);
  t.equal(late.status, 401, 'the session idled out although the tab kept polling');
  t.ok(ag.audit.some((line) => line.includes('"session.invalid"') && line.includes('idle-expired')), 'audited as idle-expired');
});

t.test('a user request keeps the session; polls after it do not extend it further', async (t) => {
  let cookie = await signIn();
  clock += 6 * MINUTE;
  const typed = await userRequest(cookie);
  t.equal(typed.status, 200);
  const renewed = typed.setCookies.map(cookiePair).find((c) => c.startsWith('__Host-authgate='));
  t.ok(renewed, 'a user request renews the session');
  cookie = renewed!;
  clock += 6 * MINUTE; // 12 min after login, 6 after the user's request
  t.equal((await poll(cookie)).status, 200, 'still signed in: the user was active 6 minutes ago');
  clock += 3 * MINUTE; // 9 after the user's request
  t.equal((await poll(cookie)).status, 200);
  clock += 2 * MINUTE; // 11 after the user's request
  t.equal((await poll(cookie)).status, 401, 'idle 11 minutes by the user\'s measure');
});
