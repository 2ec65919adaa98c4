/** Foundation over real sockets: forwarding, streaming, WebSockets, upstream failures, network policy. */
import t from 'tap';
import { request } from 'undici';
import WebSocket from 'ws';
import { Readable } from 'node:stream';
import { startAuthgate, fetchText, login, rawRequest, type TestAuthgate } from '../../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url, headersTimeout: '700ms' },
      authorization: { rules: [{ name: 'public-assets', paths: ['/public/**'], action: 'public' }] },
    },
  });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

t.test('unauthenticated browser navigation is redirected to the login page with the return path', async (t) => {
  const r = await fetchText(ag, '/app/page?x=1', { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
  t.equal(r.status, 302);
  t.equal(r.headers.location, '/__authgate__/login?rd=%2Fapp%2Fpage%3Fx%3D1');
  t.match(String(r.headers['strict-transport-security']), /max-age=/);
});

t.test('unauthenticated API call gets 401 JSON and nothing reaches the upstream', async (t) => {
  const before = upstream.received.length;
  const r = await fetchText(ag, '/__api__/v1/content', { headers: { accept: 'application/json' } });
  t.equal(r.status, 401);
  t.same(JSON.parse(r.body).error, 'unauthenticated');
  t.equal(upstream.received.length, before);
});

t.test('public route is forwarded with X-Forwarded-* and without client identity headers', async (t) => {
  const r = await fetchText(ag, '/public/logo.png', {
    headers: { 'x-auth-username': 'admin', X_AUTH_ROLE: 'administrator', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil' },
  });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.url, '/public/logo.png');
  t.notOk(seen.headers['x-auth-username']);
  t.notOk(seen.headers['x-auth-role']);
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'client-sent XFF from an untrusted peer is replaced');
  t.equal(seen.headers['x-forwarded-proto'], 'https');
  // publicUrl is https://localhost; the client connected as localhost:<port> (listed in network.allowedHosts).
  t.equal(seen.headers['x-forwarded-host'], 'localhost', 'X-Forwarded-Host is the public host, not the client Host');
  t.equal(seen.headers.host, 'localhost', 'Host is the public host');
  t.equal(r.headers['set-cookie'], 'upstream=1; Path=/', 'upstream cookies pass through');
  t.match(String(r.headers['strict-transport-security']), /max-age=/, 'proxied answers carry HSTS too');
});

t.test('headers named in Connection are hop-by-hop and never forwarded', async (t) => {
  const answer = await rawRequest(ag, 'GET /public/c HTTP/1.1\r\nHost: localhost\r\nConnection: close, X-Foo\r\nX-Foo: bar\r\nX-Bar: kept\r\n\r\n');
  t.match(answer, /^HTTP\/1.1 200/);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.url, '/public/c');
  t.notOk(seen.headers['x-foo']);
  t.equal(seen.headers['x-bar'], 'kept');
});

t.test('after login the upstream gets identity headers and the session cookie is not forwarded', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  t.ok(cookie);
  const r = await fetchText(ag, '/app', { headers: { cookie: `${cookie}; theirs=1`, 'X-Auth-Username': 'mallory' } });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-auth-username'], 'alice');
  t.equal(seen.headers['x-auth-role'], 'publisher');
  t.equal(seen.headers['x-auth-groups'], 'analysts,rstudio-users');
  t.equal(seen.headers.cookie, 'theirs=1');
  t.ok(seen.headers['x-authgate-assertion']);
});

t.test('a large body streams both ways without buffering', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const size = 256 * 1024 * 1024;
  const rssBefore = process.memoryUsage().rss;
  const down = await request(`${ag.url}/bytes?n=${size}`, { dispatcher: ag.agent, headers: { cookie: cookie! } });
  let received = 0;
  for await (const chunk of down.body) received += (chunk as Buffer).length;
  t.equal(received, size, 'download complete');
  async function* source() {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    for (let i = 0; i < size / chunk.length; i++) yield chunk;
  }
  const up = await request(`${ag.url}/echo-body`, { dispatcher: ag.agent, method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/octet-stream' }, body: Readable.from(source()) });
  const echoed = JSON.parse(await up.body.text());
  t.equal(echoed.bodyBytes, size, 'upload complete');
  const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  t.ok(growth < 200, `RSS grew ${growth.toFixed(0)} MiB while moving 512 MiB (test process includes client, proxy and upstream)`);
});

t.test('WebSocket echo through the proxy, identity headers set on the upgrade', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws/echo`, { ca: ag.cert.ca, headers: { cookie: cookie!, 'x-auth-username': 'mallory', 'X_Auth_Username': 'mallory2' } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const answers: string[] = [];
  ws.on('message', (m) => answers.push(String(m)));
  for (let i = 0; i < 50; i++) ws.send(`m${i}`);
  await new Promise<void>((resolve) => {
    const check = () => (answers.length === 50 ? resolve() : setTimeout(check, 10));
    check();
  });
  t.same(answers.slice(0, 3), ['m0', 'm1', 'm2']);
  t.equal(upstream.upgrades.at(-1)!.headers['x-auth-username'], 'alice');
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
});

t.test('WebSocket upgrade without a session gets 401 and never reaches the upstream', async (t) => {
  const before = upstream.upgrades.length;
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws/echo`, { ca: ag.cert.ca });
  const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  t.equal(status, 401);
  t.equal(upstream.upgrades.length, before);
});

t.test('no descriptor left behind after many WebSocket open/close cycles', async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const { readdirSync } = await import('node:fs');
  const fds = () => readdirSync('/proc/self/fd').length;
  const open = async () => {
    const ws = new WebSocket(`wss://localhost:${ag.port}/ws/echo`, { ca: ag.cert.ca, headers: { cookie: cookie! } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
  };
  for (let i = 0; i < 20; i++) await open();
  await new Promise((r) => setTimeout(r, 300));
  const before = fds();
  for (let i = 0; i < 300; i++) await open();
  await new Promise((r) => setTimeout(r, 500));
  const after = fds();
  t.ok(after - before < 20, `descriptors before ${before}, after 300 cycles ${after}`);
});

t.test('upstream too slow gives 504; upstream down gives 502', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  const slow = await fetchText(ag, '/slow?ms=3000', { headers: { cookie: cookie!, accept: 'application/json' } });
  t.equal(slow.status, 504);
  t.equal(JSON.parse(slow.body).error, 'ERR_UPSTREAM_TIMEOUT');
  const down = await startAuthgate({ config: { upstream: { url: 'http://127.0.0.1:9' } } });
  t.teardown(() => down.stop());
  const session = await login(down, 'bob', 'bob-Passw0rd!');
  const r = await fetchText(down, '/x', { headers: { cookie: session.cookie!, accept: 'text/html' } });
  t.equal(r.status, 502);
  t.match(r.body, /upstream server is not reachable/);
  const ready = await fetchText(down, '/__authgate__/readyz');
  t.equal(ready.status, 503);
});

t.test('reserved routes answer and are never forwarded', async (t) => {
  const forwarded = () => upstream.received.filter((r) => r.method !== 'HEAD').length;
  const before = forwarded();
  t.equal((await fetchText(ag, '/__authgate__/healthz')).body, 'ok\n');
  const ready = await fetchText(ag, '/__authgate__/readyz');
  t.equal(ready.status, 200);
  t.equal(JSON.parse(ready.body).upstream, 'reachable');
  t.equal((await fetchText(ag, '/__authgate__/nope')).status, 404);
  const jwks = JSON.parse((await fetchText(ag, '/.well-known/authgate/jwks.json')).body);
  t.equal(jwks.keys[0].alg, 'ES256');
  t.equal(forwarded(), before, 'only the readyz HEAD probe reached the upstream');
});
