/**
 * Host header poisoning (issue 16): the upstream builds absolute links from Host and
 * X-Forwarded-Host, which authgate used to forward as the client wrote them. A request whose Host
 * is not the public one (or in network.allowedHosts) is refused with 400 bad-host, on HTTP and
 * WebSocket routes, before anything else; /__authgate__/healthz and readyz answer whatever the
 * Host (Kubernetes probes use the pod IP); the upstream always receives the public host.
 */
import t from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, SPOOF, statusOf, valuesOf, waitFor } from './support.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;
let bob: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      // publicUrl is the helper's https://localhost; the helper lists localhost and localhost:<port>; one internal name besides.
      network: { allowedHosts: ['authgate.internal:8443'] },
      authorization: { rules: [{ name: 'public', paths: ['/public/**'], action: 'public' }] },
    },
  });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!', {})).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

function get(path: string, host: string | undefined, lines: string[] = []): string {
  return [`GET ${path} HTTP/1.1`, ...(host === undefined ? [] : [`Host: ${host}`]), ...lines, 'Connection: close', '', ''].join('\r\n');
}

const FOREIGN = ['evil.example', 'localhost.evil.example', 'localhost:8443', 'localhost:1', '127.0.0.1', '10.1.2.3:8443', 'evil.example:443', 'localhost.', '', 'authgate.internal'];

t.test('a foreign Host is refused with 400 bad-host on every route, and nothing is forwarded', async (t) => {
  const before = upstream.received.length;
  for (const host of FOREIGN) {
    for (const [path, cookie] of [['/app/page', bob], ['/public/x.css', undefined], ['/__authgate__/login', undefined], ['/__authgate__/userinfo', bob]] as const) {
      const answer = await exchange(ag, get(path, host, [...(cookie ? [`Cookie: ${cookie}`] : []), 'Accept: application/json']));
      t.equal(statusOf(answer), 400, `${JSON.stringify(host)} ${path}`);
      t.match(answer, /"error":\s*"bad-host"/, 'with the bad-host code');
    }
  }
  t.equal(upstream.received.length, before, 'the upstream saw none of them');
});

t.test('WebSocket upgrades with a foreign Host are refused with 400 bad-host', async (t) => {
  const before = upstream.upgrades.length;
  for (const host of ['evil.example', '127.0.0.1:8443']) {
    const text = [`GET /ws/x HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${bob}`, '', ''].join('\r\n');
    const answer = await exchange(ag, text, { until: /\r\n\r\n/ });
    t.equal(statusOf(answer), 400, host);
    t.match(answer, /bad-host/);
  }
  t.equal(upstream.upgrades.length, before, 'no upgrade reached the upstream');
});

t.test('healthz, readyz and the JWKS answer whatever the Host (probes use the pod IP)', async (t) => {
  for (const host of ['10.1.2.3:8443', 'evil.example']) {
    t.equal(statusOf(await exchange(ag, get('/__authgate__/healthz', host))), 200, `healthz, ${host}`);
    t.not(statusOf(await exchange(ag, get('/__authgate__/readyz', host))), 400, `readyz, ${host}`);
    t.equal(statusOf(await exchange(ag, get('/__authgate__/jwks.json', host))), 200, `jwks, ${host}`);
    t.equal(statusOf(await exchange(ag, get('/__authgate__/healthz?x=1', host))), 200, `healthz with a query, ${host}`);
    t.equal(statusOf(await exchange(ag, get('/__authgate__/healthz/..', host))), 400, `not a prefix match, ${host}`);
  }
});

t.test('accepted Hosts (public, with default port, listed) reach the upstream as the public host', async (t) => {
  let n = 0;
  for (const host of ['localhost', 'LOCALHOST', 'localhost:443', `localhost:${ag.port}`, 'authgate.internal:8443']) {
    const path = `/app/host/${++n}`;
    const answer = await exchange(ag, get(path, host, [`Cookie: ${bob}`, `X-Forwarded-Host: ${SPOOF}.example`, `X_Forwarded_Host: ${SPOOF}`]));
    t.equal(statusOf(answer), 200, host);
    const seen = upstream.received.findLast((r) => r.url === path)!;
    t.same(valuesOf(seen, 'host'), ['localhost'], `${host}: Host is the public host`);
    t.same(valuesOf(seen, 'x-forwarded-host'), ['localhost'], `${host}: X-Forwarded-Host is the public host`);
  }
  const path = '/ws/host/1';
  const text = [`GET ${path} HTTP/1.1`, 'Host: authgate.internal:8443', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${bob}`, `X-Forwarded-Host: ${SPOOF}`, '', ''].join('\r\n');
  t.equal(statusOf(await exchange(ag, text, { until: /\r\n\r\n/ })), 101, 'upgrade through a listed host');
  await waitFor(() => upstream.upgrades.some((u) => u.url === path));
  const seen = upstream.upgrades.findLast((r) => r.url === path)!;
  t.same(valuesOf(seen, 'host'), ['localhost'], 'the upgrade carries the public host');
  t.same(valuesOf(seen, 'x-forwarded-host'), ['localhost']);
});
