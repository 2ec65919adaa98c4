/**
 * Identity header spoofing: every header authgate sets or strips, sent by the client in every
 * spelling, over raw sockets (undici refuses some of these spellings). The upstream must never
 * see a client value; authgate's own headers arrive exactly once.
 */
import t, { type Test } from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { canonicalPairs, exchange, rawGet, SPOOF, statusOf, valuesOf, waitFor } from './support.ts';

/** Every header authgate sets (connect profile, workbench profile, the assertion) and the Remote-User family it always strips. */
const CONNECT = ['X-Auth-Username', 'X-Auth-Email', 'X-Auth-First-Name', 'X-Auth-Last-Name', 'X-Auth-Groups', 'X-Auth-Role', 'X-Auth-ID'];
const OTHERS = ['X-RStudio-Username', 'X-Authgate-Assertion', 'Remote-User', 'Remote-Email', 'Remote-Groups', 'X-Remote-User', 'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Groups', 'X-Webauth-User'];
const ALL = [...CONNECT, ...OTHERS];

const mixed = (name: string) => [...name].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');
const SPELLINGS: Array<[string, (name: string) => string]> = [
  ['as documented', (n) => n],
  ['lower case', (n) => n.toLowerCase()],
  ['upper case', (n) => n.toUpperCase()],
  ['mixed case', mixed],
  ['underscores', (n) => n.replace(/-/g, '_')],
  ['one underscore', (n) => n.replace(/-(?=[^-]*$)/, '_')],
  ['upper case with underscores', (n) => n.toUpperCase().replace(/-/g, '_')],
];
const VALUES: Array<[string, (name: string) => string[]]> = [
  ['plain value', (n) => [`${n}: ${SPOOF}`]],
  ['duplicated', (n) => [`${n}: ${SPOOF}`, `${n}: ${SPOOF}-2`]],
  ['leading and trailing whitespace', (n) => [`${n}:   ${SPOOF}  \t`]],
  ['empty then spoofed', (n) => [`${n}:`, `${n}: ${SPOOF}`]],
];

let upstream: TestUpstream;
let ag: TestAuthgate;
let workbench: TestAuthgate;
let bob: string;
let bobWorkbench: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url, profile: 'connect', passApiKeys: true },
      authorization: {
        rules: [
          { name: 'public-assets', paths: ['/public/**'], action: 'public' },
          { name: 'connect-api-keys', paths: ['/__api__/**'], apiKeys: true, action: 'allow' },
        ],
      },
    },
  });
  workbench = await startAuthgate({ config: { upstream: { url: upstream.url, profile: 'workbench' } } });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
  bobWorkbench = (await login(workbench, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await workbench.stop();
  await upstream.close();
});

/** The upstream's last request for `path`: no client value anywhere; authgate's headers exactly once. */
function checkSeen(t: Test, path: string, expectIdentity: boolean, own: Record<string, string> = { 'x-auth-username': 'bob', 'x-auth-role': 'viewer' }): void {
  const seen = upstream.received.findLast((r) => r.url === path) ?? upstream.upgrades.findLast((r) => r.url === path);
  if (!seen) return void t.fail(`the upstream never saw ${path}`);
  const leaked = canonicalPairs(seen).filter(([, v]) => v.includes(SPOOF));
  t.same(leaked, [], 'no client-sent value reached the upstream');
  for (const [name, value] of Object.entries(own)) {
    if (expectIdentity) t.same(valuesOf(seen, name), [value], `${name} set once by authgate`);
    else t.same(valuesOf(seen, name), [], `${name} absent without a session`);
  }
}

let counter = 0;
for (const name of ALL) {
  t.test(`${name}: every spelling and value shape is stripped on an authenticated request`, async (t) => {
    for (const [spellingName, spell] of SPELLINGS) {
      for (const [valueName, lines] of VALUES) {
        const path = `/spoof/${++counter}`;
        const answer = await exchange(ag, rawGet(path, [`Cookie: ${bob}`, ...lines(spell(name))]));
        t.equal(statusOf(answer), 200, `${spellingName}, ${valueName}: 200`);
        checkSeen(t, path, true);
      }
    }
  });
}

t.test('workbench profile: X-RStudio-Username is authgate\'s, Connect names are stripped too', async (t) => {
  for (const [spellingName, spell] of SPELLINGS) {
    const path = `/wb/${++counter}`;
    const lines = [...ALL.map((n) => `${spell(n)}: ${SPOOF}`)];
    const answer = await exchange(workbench, rawGet(path, [`Cookie: ${bobWorkbench}`, ...lines]));
    t.equal(statusOf(answer), 200, spellingName);
    checkSeen(t, path, true, { 'x-rstudio-username': 'bob' });
    const seen = upstream.received.findLast((r) => r.url === path)!;
    t.same(valuesOf(seen, 'x-auth-username'), [], 'no Connect header under the workbench profile');
  }
});

t.test('obs-fold (a header continued on the next line) is refused with 400 and forwards nothing', async (t) => {
  for (const name of ['X-Auth-Username', 'x_auth_role', 'X-Authgate-Assertion', 'Remote-User']) {
    const before = upstream.received.length;
    const folded = [`GET /fold HTTP/1.1`, 'Host: localhost', `Cookie: ${bob}`, `${name}: a`, ` ${SPOOF}`, 'Connection: close', '', ''].join('\r\n');
    t.equal(statusOf(await exchange(ag, folded)), 400, `${name} folded with a space`);
    const tabbed = folded.replace(` ${SPOOF}`, `\t${SPOOF}`);
    t.equal(statusOf(await exchange(ag, tabbed)), 400, `${name} folded with a tab`);
    t.equal(upstream.received.length, before, 'nothing forwarded');
  }
});

t.test('malformed header names that smuggle identity headers are refused with 400', async (t) => {
  const before = upstream.received.length;
  const cases = [`X-Auth-Username : ${SPOOF}`, `X-Auth-Username\t: ${SPOOF}`, ` X-Auth-Username: ${SPOOF}`, `X-Auth-Username\u0000: ${SPOOF}`];
  for (const line of cases) {
    const status = statusOf(await exchange(ag, rawGet('/malformed', [`Cookie: ${bob}`, line])));
    t.equal(status, 400, JSON.stringify(line));
  }
  t.equal(upstream.received.length, before, 'nothing forwarded');
});

t.test('public routes: spoofed headers stripped, no identity added', async (t) => {
  for (const [spellingName, spell] of SPELLINGS) {
    const path = `/public/${++counter}.png`;
    const answer = await exchange(ag, rawGet(path, ALL.map((n) => `${spell(n)}: ${SPOOF}`)));
    t.equal(statusOf(answer), 200, spellingName);
    checkSeen(t, path, false);
  }
});

t.test('public routes with a session cookie: the identity is authgate\'s', async (t) => {
  const path = `/public/${++counter}.css`;
  const answer = await exchange(ag, rawGet(path, [`Cookie: ${bob}`, ...ALL.map((n) => `${n.toUpperCase().replace(/-/g, '_')}: ${SPOOF}`)]));
  t.equal(statusOf(answer), 200);
  checkSeen(t, path, true);
});

t.test('Connect API-key requests (passApiKeys): spoofed identity stripped, the key passes', async (t) => {
  const keyed: Array<[string, string]> = [
    ['Authorization: Key', 'Authorization: Key abc123'],
    ['X-Auth-Token', 'X-Auth-Token: tok-123'],
  ];
  for (const [keyName, keyLine] of keyed) {
    for (const [spellingName, spell] of SPELLINGS) {
      const path = `/__api__/v1/content/${++counter}`;
      const answer = await exchange(ag, rawGet(path, [keyLine, 'Accept: application/json', ...ALL.map((n) => `${spell(n)}: ${SPOOF}`)]));
      t.equal(statusOf(answer), 200, `${keyName}, ${spellingName}`);
      checkSeen(t, path, false);
    }
  }
  const seen = upstream.received.findLast((r) => r.url.startsWith('/__api__/'))!;
  t.same(valuesOf(seen, 'x-auth-token'), ['tok-123'], 'the API token itself is passed to Connect');
});

t.test('Connection naming authgate\'s headers cannot remove them (hop-by-hop abuse)', async (t) => {
  const listed = ['X-Auth-Username', 'X-Auth-Username, X-Auth-Role, X-Authgate-Assertion', 'x_auth_username', 'close, X-Auth-Groups'];
  for (const value of listed) {
    const path = `/hop/${++counter}`;
    const answer = await exchange(ag, rawGet(path, [`Cookie: ${bob}`, `Connection: ${value}`, `X-Auth-Username: ${SPOOF}`, `X-Auth-Role: ${SPOOF}`]));
    t.equal(statusOf(answer), 200, value);
    checkSeen(t, path, true);
    const seen = upstream.received.findLast((r) => r.url === path)!;
    t.equal(valuesOf(seen, 'x-authgate-assertion').length, 1, 'the assertion is still sent once');
    t.same(valuesOf(seen, 'connection').filter((v) => /auth/i.test(v)), [], 'the Connection list is not forwarded');
  }
});

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
function upgrade(path: string, lines: string[]): string {
  return [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Version: 13', ...lines, '', ''].join('\r\n');
}

t.test('WebSocket upgrades: every spelling stripped, identity set once', async (t) => {
  for (const [spellingName, spell] of SPELLINGS) {
    const path = `/ws/${++counter}`;
    const lines = [`Cookie: ${bob}`, ...ALL.flatMap((n) => [`${spell(n)}: ${SPOOF}`, `${spell(n)}:  ${SPOOF}-again `])];
    const answer = await exchange(ag, upgrade(path, lines), { until: /\r\n\r\n/ });
    t.equal(statusOf(answer), 101, spellingName);
    await waitFor(() => upstream.upgrades.some((u) => u.url === path));
    checkSeen(t, path, true);
  }
});

t.test('WebSocket upgrades on public routes and with Connection abuse', async (t) => {
  const path = `/public/ws/${++counter}`;
  let answer = await exchange(ag, upgrade(path, ALL.map((n) => `${n.toLowerCase()}: ${SPOOF}`)), { until: /\r\n\r\n/ });
  t.equal(statusOf(answer), 101, 'public upgrade');
  await waitFor(() => upstream.upgrades.some((u) => u.url === path));
  checkSeen(t, path, false);
  const hop = `/ws/hop/${++counter}`;
  answer = await exchange(ag, upgrade(hop, [`Cookie: ${bob}`, 'Connection: X-Auth-Username', `X-Auth-Username: ${SPOOF}`]), { until: /\r\n\r\n/ });
  t.equal(statusOf(answer), 101, 'upgrade with Connection listing X-Auth-Username');
  await waitFor(() => upstream.upgrades.some((u) => u.url === hop));
  checkSeen(t, hop, true);
  const before = upstream.upgrades.length;
  answer = await exchange(ag, upgrade(`/ws/anon/${++counter}`, [`X-Auth-Username: ${SPOOF}`]), { until: /\r\n\r\n/ });
  t.equal(statusOf(answer), 401, 'an upgrade with only spoofed identity is unauthenticated');
  t.equal(upstream.upgrades.length, before, 'and never reaches the upstream');
});

t.test('without a session, spoofed identity alone never passes', async (t) => {
  const before = upstream.received.length;
  for (const [spellingName, spell] of SPELLINGS) {
    const answer = await exchange(ag, rawGet('/private', ['Accept: application/json', ...ALL.map((n) => `${spell(n)}: ${SPOOF}`)]));
    t.equal(statusOf(answer), 401, spellingName);
  }
  t.equal(upstream.received.length, before, 'nothing forwarded');
});
