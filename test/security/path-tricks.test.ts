/**
 * Path tricks against a deny rule for /terminal/** and a public rule for /public/**: whatever
 * reaches the upstream must not resolve to /terminal (for a logged-in user) nor, without a
 * session, to anything outside /public, under a pessimistic model of how upstreams resolve
 * paths (decoding several times, backslashes as slashes, `;params` dropped, NUL truncating,
 * `#` read as part of the path). Segments are not trimmed: Linux upstreams keep `terminal%20`
 * a different name from `terminal`. The second half goes the other way: from a protected prefix
 * into a public one, against an upstream that resolves less than authgate (nothing at all).
 */
import t from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, statusOf } from './support.ts';

/** Overlong and alternative UTF-8 forms some decoders accept, mapped to what they smuggle. */
const OVERLONG: Array<[RegExp, string]> = [
  [/\xc0\xae|\xe0\x80\xae|\xf0\x80\x80\xae/g, '.'],
  [/\xc0\xaf|\xe0\x80\xaf|\xf0\x80\x80\xaf|\xc1\x9c|\xc1\x1c/g, '/'],
  [/\xc1\xb4|\xc1\xd4/g, 't'],
];

/** How the most lenient upstream might resolve a request target. */
export function pessimisticResolve(target: string, caseSensitive: boolean): string {
  let path = target.split('?', 1)[0] as string;
  for (let i = 0; i < 3; i++) path = path.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  for (const [re, out] of OVERLONG) path = path.replace(re, out);
  path = path.replace(/\\/g, '/');
  path = path.split('\0', 1)[0] as string;
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    const segment = raw.split(';', 1)[0] as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const resolved = `/${segments.join('/')}`;
  return caseSensitive ? resolved : resolved.toLowerCase();
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Ways of writing /terminal/x (and of reaching /private from /public) that parsers have disagreed on. */
const TERMINAL = [
  '/terminal/x',
  '/%74erminal/x', '/%74%65%72%6d%69%6e%61%6c/x', '/terminal%2Fx', '/terminal%2fx',
  '/%2574erminal/x', '/%252574erminal/x', '/terminal%252Fx',
  '/x/../terminal/x', '/x/%2e%2e/terminal/x', '/x/%2E%2E/terminal/x', '/x/.%2e/terminal/x', '/x/%252e%252e/terminal/x',
  '/x/..%2fterminal/x', '/x/..%2Fterminal/x', '/x/..%5cterminal/x', '/x/..%255cterminal/x',
  '//terminal/x', '///terminal//x', '/./terminal/./x', '/terminal/./x', '/terminal/', '/terminal',
  '/x\\..\\terminal\\x', '/\\terminal/x', '/terminal\\x',
  '/terminal;/x', '/terminal;jsessionid=1/x', '/x/..;/terminal/x', '/x;/../terminal/x', '/terminal%3b/x', '/x/..%3b/terminal/x',
  '/Terminal/x', '/TERMINAL/x', '/tErMiNaL/x', '/%54erminal/x',
  '/%c0%ae%c0%ae/terminal/x', '/x/%c0%ae%c0%ae/terminal/x', '/x/%c0%af../terminal/x', '/x/..%c0%afterminal/x', '/x/%e0%80%ae%e0%80%ae/terminal/x', '/%c1%b4erminal/x', '/x/..%c1%9cterminal/x',
  '/terminal%00/x', '/terminal%00.png', '/x%00/../terminal/x', '/terminal/x%00', '/terminal%2500/x',
  '/terminal%20/x', '/terminal%09/x', '/%20/../terminal/x',
  '/terminal#/x', '/x#/../terminal/x', '/x/..#/terminal/x', '/public/x#/../../terminal/x',
  '/terminal?/x', '/terminal/x?y=/../..',
  '/%2e%2e/terminal/x', '/../terminal/x', '/..%2fterminal/x',
  '/%ef%bc%8fterminal/x', '/terminal%e2%80%8b/x', '/terminal%u002fx',
];
const PUBLIC_BYPASS = [
  '/public/../private/x', '/public/%2e%2e/private/x', '/public/%2E%2E/private/x', '/public/.%2e/private/x', '/public/%252e%252e/private/x',
  '/public/..%2fprivate/x', '/public/..%2Fprivate/x', '/public/..%5cprivate/x', '/public/..%255cprivate/x', '/public\\..\\private\\x',
  '/public/..;/private/x', '/public;/../private/x', '/public;x=/../private', '/public/..%3b/private/x',
  '/public/%c0%ae%c0%ae/private/x', '/public/%c0%ae%c0%ae%c0%afprivate/x', '/public/%e0%80%ae%e0%80%ae/private/x',
  '/public/..%00/private/x', '/public%00/../private/x', '/public/x#/../../private/x', '/public/x/..#/../private/x',
  '//public/../private/x', '/public//../../private/x', '/PUBLIC/x', '/Public/../private/x',
  '/public/%2e%2e/%2e%2e/private/x', '/public/%2e%2e%2f%2e%2e%2fprivate/x', '/public/x/../../private/x',
];

let upstream: TestUpstream;
let sensitive: TestAuthgate;
let insensitive: TestAuthgate;
const cookies = new Map<TestAuthgate, string>();

const rules = [
  { name: 'no-terminal', paths: ['/terminal/**'], action: 'deny' },
  { name: 'public-assets', paths: ['/public/**'], action: 'public' },
];

t.before(async () => {
  upstream = await startUpstream();
  sensitive = await startAuthgate({ config: { upstream: { url: upstream.url }, authorization: { rules } } });
  insensitive = await startAuthgate({ config: { upstream: { url: upstream.url }, authorization: { rules, pathCaseSensitive: false } } });
  for (const ag of [sensitive, insensitive]) cookies.set(ag, (await login(ag, 'alice', 'alice-Passw0rd!')).cookie!);
});
t.teardown(async () => {
  await sensitive.stop();
  await insensitive.stop();
  await upstream.close();
});

/** Sends one target raw; returns the status and what the upstream received for it (undefined when nothing). */
async function attempt(ag: TestAuthgate, target: string, cookie?: string): Promise<{ status: number; forwarded?: string }> {
  const before = upstream.received.length;
  const text = [`GET ${target} HTTP/1.1`, 'Host: localhost', 'Accept: application/json', ...(cookie ? [`Cookie: ${cookie}`] : []), 'Connection: close', '', ''].join('\r\n');
  const status = statusOf(await exchange(ag, Buffer.from(text, 'latin1')));
  const fresh = upstream.received.slice(before);
  return { status, ...(fresh.length > 0 ? { forwarded: fresh.at(-1)!.url } : {}) };
}

for (const [label, caseSensitive] of [['case-sensitive rules', true], ['case-insensitive rules', false]] as const) {
  t.test(`${label}: no spelling of /terminal reaches the upstream for a logged-in user`, async (t) => {
    const ag = caseSensitive ? sensitive : insensitive;
    for (const target of TERMINAL) {
      const { status, forwarded } = await attempt(ag, target, cookies.get(ag));
      if (forwarded === undefined) {
        t.ok([400, 403].includes(status), `${JSON.stringify(target)} refused (${status})`);
        continue;
      }
      t.equal(status, 200, `${JSON.stringify(target)} forwarded as ${JSON.stringify(forwarded)}`);
      t.notOk(under(pessimisticResolve(forwarded, caseSensitive), '/terminal'), `${JSON.stringify(forwarded)} does not resolve to /terminal (${pessimisticResolve(forwarded, caseSensitive)})`);
    }
  });

  t.test(`${label}: no public-rule bypass reaches a protected path without a session`, async (t) => {
    const ag = caseSensitive ? sensitive : insensitive;
    for (const target of [...PUBLIC_BYPASS, ...TERMINAL]) {
      const { status, forwarded } = await attempt(ag, target);
      if (forwarded === undefined) {
        t.ok([400, 401, 403].includes(status), `${JSON.stringify(target)} refused (${status})`);
        continue;
      }
      const resolved = pessimisticResolve(forwarded, caseSensitive);
      t.ok(under(resolved, '/public'), `${JSON.stringify(forwarded)} forwarded without a session resolves inside /public (${resolved})`);
    }
  });
}

t.test('the plain forms behave as configured (control)', async (t) => {
  t.equal((await attempt(sensitive, '/terminal/x', cookies.get(sensitive))).status, 403);
  t.equal((await attempt(sensitive, '/public/x')).status, 200);
  t.equal((await attempt(sensitive, '/private/x')).status, 401);
  t.equal((await attempt(sensitive, '/private/x', cookies.get(sensitive))).status, 200);
  t.equal((await attempt(insensitive, '/TERMINAL/x', cookies.get(insensitive))).status, 403, 'pathCaseSensitive: false catches upper case');
});

t.test('absolute-form and asterisk targets never choose another path or host', async (t) => {
  for (const target of ['http://evil.example/terminal/x', 'https://localhost/terminal/x', '*', 'localhost:443', '/terminal/x@evil.example']) {
    const { status, forwarded } = await attempt(sensitive, target, cookies.get(sensitive));
    if (forwarded === undefined) t.ok(status >= 400, `${target} refused (${status})`);
    else t.notOk(under(pessimisticResolve(forwarded, true), '/terminal'), `${target} forwarded as ${forwarded}`);
  }
});

t.test('regression: a fragment in the request target hid the path from the rules (/public/x#/../../terminal)', async (t) => {
  // Rules matched the path before `#` while the target went upstream as sent; Go's
  // ParseRequestURI keeps `#…` in the path, so `/public/x#/../../terminal/x` cleaned to /terminal/x.
  for (const target of ['/public/x#/../../terminal/x', '/public/x#/../../private/x', '/x#/../terminal/x', '/terminal#top', '/public/x?a=1#frag']) {
    const anonymous = await attempt(sensitive, target);
    t.equal(anonymous.status, 400, `${target} without a session`);
    t.equal(anonymous.forwarded, undefined, 'nothing forwarded');
    const withSession = await attempt(sensitive, target, cookies.get(sensitive));
    t.equal(withSession.status, 400, `${target} with a session`);
    t.equal(withSession.forwarded, undefined, 'nothing forwarded');
  }
});

/**
 * The other direction: a target whose rule path is public (or allowed) while an upstream that
 * resolves less than authgate routes it under the protected prefix it starts with. authgate once
 * resolved `..;`, `%2e%2e` and `%2F` for the rules and forwarded the target as sent, so anonymous
 * `GET /terminal/..;/public/x` was judged as /public/x and a Go or Flask upstream served its
 * /terminal handler.
 */
const CLIMB_INTO = [
  '/terminal/..;/public/x', '/terminal/../public/x', '/terminal/%2e%2e/public/x', '/terminal/%2E%2e/public/x', '/terminal/.%2e/public/x',
  '/terminal/..;a=b/public/x', '/terminal/.;/..;/public/x', '/terminal;/../public/x', '/terminal;x=1/..;/public/x', '/terminal/x/../../public/x',
  '/terminal/./../public/x', '/terminal/..%2fpublic/x', '/terminal%2f..%2fpublic/x', '/terminal%2F..%2Fpublic/x', '/terminal/..%5cpublic/x',
  '/terminal/..\\public/x', '/terminal/..%3b/public/x', '/terminal/%2e%2e%3b/public/x', '/%74erminal/..;/public/x', '/terminal/1/..;/..;/public/x',
  '/private/..;/public/x', '/private/../public/x', '/private/%2e%2e/public/x', '/private%2f..%2fpublic/x', '/private;/public/x',
];

/** What an upstream that decodes nothing and resolves nothing routes on: the path as forwarded. */
const literalPath = (forwarded: string) => forwarded.split('?', 1)[0] as string;

for (const [label, caseSensitive] of [['case-sensitive rules', true], ['case-insensitive rules', false]] as const) {
  t.test(`${label}: no target climbs from a protected prefix into a public one (the upstream would route the prefix)`, async (t) => {
    const ag = caseSensitive ? sensitive : insensitive;
    for (const target of CLIMB_INTO) {
      for (const cookie of [undefined, cookies.get(ag)]) {
        const who = cookie ? 'logged in' : 'anonymous';
        const { status, forwarded } = await attempt(ag, target, cookie);
        t.equal(status, 400, `${who} ${JSON.stringify(target)} refused with 400 (got ${status}${forwarded ? `, forwarded as ${JSON.stringify(forwarded)}` : ''})`);
        t.equal(forwarded, undefined, `${who} ${JSON.stringify(target)} not forwarded`);
      }
    }
  });
}

t.test('an accepted target reaches the upstream in the canonical form the rules judged, the query unchanged', async (t) => {
  const cases: Array<[string, string]> = [
    ['/%70ublic//x/', '/public/x/'],
    ['//public/%7e%41%2d%5f', '/public/~A-_'],
    ['/public/caf%c3%a9', '/public/caf%C3%A9'],
    ['/public/x?a=%2e%2e/..;&b=%2F\\', '/public/x?a=%2e%2e/..;&b=%2F\\'],
  ];
  for (const [target, expected] of cases) {
    const { status, forwarded } = await attempt(sensitive, target);
    t.equal(status, 200, `${target} served`);
    t.equal(forwarded, expected, `${target} forwarded as ${expected}`);
    t.ok(under(literalPath(forwarded ?? ''), '/public'), 'literally under /public');
  }
});

t.test('a WebSocket upgrade through a dot segment never reaches the upstream', async (t) => {
  for (const target of ['/terminal/..;/x', '/terminal/1/..;/..;/x', '/terminal/%2e%2e/x', '/x/../terminal/1']) {
    const before = upstream.upgrades.length;
    const text = [`GET ${target} HTTP/1.1`, 'Host: localhost', `Cookie: ${cookies.get(sensitive)}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n');
    const answer = await exchange(sensitive, text, { until: /\r\n\r\n/ });
    t.equal(statusOf(answer), 400, `${target}: ${answer.split('\r\n', 1)[0]}`);
    t.equal(upstream.upgrades.length, before, `${target}: no upgrade reached the upstream`);
  }
});

t.test('regression: a malformed % in a reserved route answered 500 and logged a stack trace; it is a 400', async (t) => {
  const targets = [
    '/__authgate__/login%', '/__authgate__/login/%', '/__authgate__/login/%zz', '/__authgate__/login/%E0', '/__authgate__/callback/%E0',
    '/__authgate__/callback/%C0%AE', '/__authgate__/callback/%', '/__authgate__/%', '/__authgate__/logout%', '/.well-known/authgate/jwks.json%',
  ];
  const logsBefore = sensitive.logs.length;
  for (const target of targets) {
    for (const cookie of [undefined, cookies.get(sensitive)]) {
      const text = [`GET ${target} HTTP/1.1`, 'Host: localhost', 'Accept: application/json', ...(cookie ? [`Cookie: ${cookie}`] : []), 'Connection: close', '', ''].join('\r\n');
      const answer = await exchange(sensitive, text);
      t.equal(statusOf(answer), 400, `${target}${cookie ? ' with a session' : ''}: ${answer.split('\r\n', 1)[0]}`);
      t.match(answer, /bad-path/, 'code bad-path');
    }
  }
  const logged = sensitive.logs.slice(logsBefore);
  t.same(logged.filter((l) => /"level":(50|60)|"stack"|URIError/.test(l)), [], 'no error logged, no stack trace');
});

t.test('a traversal into the reserved routes is refused, not judged as an upstream path', async (t) => {
  for (const target of ['/public/../__authgate__/metrics', '/public/%2e%2e/__authgate__/metrics', '/public/..;/__authgate__/userinfo', '/public%2f..%2f__authgate__/metrics']) {
    for (const cookie of [undefined, cookies.get(sensitive)]) {
      const { status, forwarded } = await attempt(sensitive, target, cookie);
      t.equal(status, 400, `${target}${cookie ? ' with a session' : ''}`);
      t.equal(forwarded, undefined, 'not forwarded');
    }
  }
  const encoded = await attempt(sensitive, '/%5F%5Fauthgate%5F%5F/healthz');
  t.equal(encoded.status, 200, 'an encoded spelling of a reserved route is served by authgate');
  t.equal(encoded.forwarded, undefined, 'and not forwarded');
});

t.test('an upstream URL with a base path: the canonical target is appended to it, HTTP and WebSocket', async (t) => {
  const based = await startAuthgate({ config: { upstream: { url: `${upstream.url}/base/` }, authorization: { rules } } });
  t.teardown(() => based.stop());
  const cookie = (await login(based, 'alice', 'alice-Passw0rd!')).cookie!;
  const before = upstream.received.length;
  const text = ['GET //%70ublic//x/?q=%2e%2e HTTP/1.1', 'Host: localhost', 'Connection: close', '', ''].join('\r\n');
  t.equal(statusOf(await exchange(based, text)), 200);
  t.same(upstream.received.slice(before).map((r) => r.url), ['/base/public/x/?q=%2e%2e'], 'forwarded under the base path in canonical form');
  const upgrades = upstream.upgrades.length;
  const ws = [`GET /%77s//x HTTP/1.1`, 'Host: localhost', `Cookie: ${cookie}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n');
  t.equal(statusOf(await exchange(based, ws, { until: /\r\n\r\n/ })), 101);
  t.same(upstream.upgrades.slice(upgrades).map((r) => r.url), ['/base/ws/x'], 'upgraded under the base path in canonical form');
});

t.test('regression: the plain-HTTP redirect port resolved the raw target against publicUrl (//evil.example/x redirected off-site)', async (t) => {
  const net = await import('node:net');
  const { freePort } = await import('../support/authgate.ts');
  const redirectPort = await freePort();
  const ag = await startAuthgate({ config: { upstream: { url: upstream.url }, publicUrl: 'https://authgate.example', listen: { address: '127.0.0.1', port: 0, httpRedirectPort: redirectPort } } });
  t.teardown(() => ag.stop());
  const plain = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(redirectPort, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: authgate.example\r\nConnection: close\r\n\r\n`));
      socket.setTimeout(3000, () => socket.destroy());
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    });
  const location = (answer: string) => /\r\nlocation: ([^\r]*)/i.exec(answer)?.[1];
  for (const target of ['//evil.example/x', '///evil.example/x', 'http://evil.example/x', '/\\evil.example/x', '/x/../..//evil.example', '/%2F%2Fevil.example']) {
    const answer = await plain(target);
    const where = location(answer);
    if (where === undefined) t.equal(statusOf(answer), 400, `${target} refused`);
    else t.equal(new URL(where).origin, 'https://authgate.example', `${target} redirects to ${where}`);
  }
  t.equal(location(await plain('/%70ublic//x?a=1')), 'https://authgate.example/public/x?a=1', 'an ordinary target redirects to its canonical form on publicUrl');
});
