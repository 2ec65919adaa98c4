/**
 * Client copies of the headers authgate sets besides identity (X-Real-IP, X-Request-Id,
 * X-Forwarded-*, Forwarded) and other proxies' identity and rewrite headers (X-WEBAUTH-*,
 * X-Remote-*, Remote-*, X-Authenticated-User, X-Ms-Client-Principal-*, X-Original-URL,
 * X-Rewrite-URL, X-HTTP-Method-Override) never reach the upstream, in any spelling, on HTTP and
 * WebSocket routes, public or not; authgate's own values arrive exactly once. Issue 16: the
 * client's X-Real-IP and X-Request-Id used to arrive beside authgate's.
 */
import t, { type Test } from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type Received, type TestUpstream } from '../support/upstream.ts';
import { canonicalPairs, exchange, rawGet, SPOOF, statusOf, valuesOf, waitFor } from './support.ts';

/** Headers authgate sets on every forwarded request (besides identity). */
const FORWARDING = ['X-Real-IP', 'X-Request-Id', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'Forwarded'];
/** Other proxies' identity and rewrite headers. */
const THIRD_PARTY = [
  'X-WEBAUTH-USER', 'X-WEBAUTH-EMAIL', 'X-WEBAUTH-GROUPS', 'X-Remote-User', 'X-Remote-Groups', 'Remote-User', 'Remote-Groups', 'Remote-Email',
  'X-Forwarded-User', 'X-Authenticated-User', 'X-Ms-Client-Principal', 'X-Ms-Client-Principal-Name', 'X-Ms-Client-Principal-Id', 'X-Ms-Client-Principal-Idp',
  'X-Original-URL', 'X-Original-URI', 'X-Rewrite-URL', 'X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'X-Client-IP', 'True-Client-IP',
];
const ALL = [...FORWARDING, ...THIRD_PARTY];

const SPELLINGS: Array<[string, (name: string) => string]> = [
  ['as written', (n) => n],
  ['lower case', (n) => n.toLowerCase()],
  ['upper case', (n) => n.toUpperCase()],
  ['underscores', (n) => n.replace(/-/g, '_')],
  ['mixed _ and -', (n) => n.replace(/-(?=[^-]*$)/, '_').toLowerCase()],
];

let upstream: TestUpstream;
let ag: TestAuthgate;
let passing: TestAuthgate;
let bob: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: { upstream: { url: upstream.url }, authorization: { rules: [{ name: 'public', paths: ['/public/**'], action: 'public' }] } },
  });
  passing = await startAuthgate({
    config: {
      upstream: { url: upstream.url, passHeaders: ['X-HTTP-Method-Override', 'x_webauth_user'] },
      authorization: { rules: [{ name: 'public', paths: ['/public/**'], action: 'public' }] },
    },
  });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await passing.stop();
  await upstream.close();
});

function seenAt(path: string): Received | undefined {
  return upstream.received.findLast((r) => r.url === path) ?? upstream.upgrades.findLast((r) => r.url === path);
}

/** No client value anywhere; X-Real-IP and X-Request-Id exactly once, authgate's. */
function check(t: Test, path: string): void {
  const seen = seenAt(path);
  if (!seen) return void t.fail(`the upstream never saw ${path}`);
  t.same(canonicalPairs(seen).filter(([, v]) => v.includes(SPOOF)), [], 'no client-sent value reached the upstream');
  t.same(valuesOf(seen, 'x-real-ip'), ['127.0.0.1'], "X-Real-IP once, authgate's");
  const ids = valuesOf(seen, 'x-request-id');
  t.equal(ids.length, 1, 'X-Request-Id once');
  t.notMatch(ids[0] ?? '', /spoofed/, "and it is authgate's");
  t.same(valuesOf(seen, 'x-forwarded-for'), ['127.0.0.1'], 'X-Forwarded-For once');
  t.same(valuesOf(seen, 'x-forwarded-host'), ['localhost'], 'X-Forwarded-Host once, the public host');
  for (const name of THIRD_PARTY) t.same(valuesOf(seen, name), [], `${name} absent`);
}

let n = 0;
// A request id that passes authgate's format check, so only the trusted-proxy rule keeps it out.
const ID = `${SPOOF}-0123456789`;
const lines = (spell: (name: string) => string) => ALL.map((h) => `${spell(h)}: ${h === 'X-Request-Id' ? ID : SPOOF}`);

t.test('HTTP, authenticated and public: every spelling stripped', async (t) => {
  for (const [spellingName, spell] of SPELLINGS) {
    for (const [kind, cookie] of [['authenticated', bob], ['public', undefined]] as const) {
      const path = `${kind === 'public' ? '/public' : ''}/fwd/${++n}`;
      const answer = await exchange(ag, rawGet(path, [...(cookie ? [`Cookie: ${cookie}`] : []), ...lines(spell)]));
      t.equal(statusOf(answer), 200, `${spellingName}, ${kind}: 200`);
      check(t, path);
    }
  }
});

t.test("the client's X-Request-Id is not adopted as authgate's request id from an untrusted peer", async (t) => {
  const path = `/fwd/${++n}`;
  await exchange(ag, rawGet(path, [`Cookie: ${bob}`, `X-Request-Id: ${ID}`]));
  check(t, path);
  t.notOk(ag.logs.some((l) => l.includes(`"requestId":"${ID}"`)), 'no log line carries the client id');
});

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgrade = (path: string, extra: string[]) =>
  [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Version: 13', ...extra, '', ''].join('\r\n');

t.test('WebSocket upgrades: every spelling stripped', async (t) => {
  for (const [spellingName, spell] of SPELLINGS) {
    const path = `/ws/fwd/${++n}`;
    const answer = await exchange(ag, upgrade(path, [`Cookie: ${bob}`, ...lines(spell)]), { until: /\r\n\r\n/ });
    t.equal(statusOf(answer), 101, spellingName);
    await waitFor(() => upstream.upgrades.some((u) => u.url === path));
    check(t, path);
  }
});

t.test('upstream.passHeaders lets a named third-party header through, and nothing else', async (t) => {
  const path = `/public/pass/${++n}`;
  const answer = await exchange(passing, rawGet(path, ['X_HTTP_Method_Override: DELETE', 'X-Webauth-User: ops-bot', `X-Webauth-Email: ${SPOOF}`, `X-Real-IP: ${SPOOF}`, `Remote-User: ${SPOOF}`]));
  t.equal(statusOf(answer), 200);
  const seen = seenAt(path)!;
  t.same(valuesOf(seen, 'x-http-method-override'), ['DELETE'], 'the passed header arrives');
  t.same(valuesOf(seen, 'x-webauth-user'), ['ops-bot'], 'passed whatever the spelling in the configuration');
  t.same(canonicalPairs(seen).filter(([, v]) => v.includes(SPOOF)), [], 'the rest is still stripped');
});
