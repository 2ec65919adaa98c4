/**
 * Reserved routes (/__authgate__/..., the JWKS alias) were refused by the network policy on a
 * path of their own: a denied client got its 403 but no `net.ip.refused` audit event and no
 * `authgate_denials_total` count (every other route had both), an X-Forwarded-For entry that is
 * not an address was not refused there at all (the request was judged as the proxy's), and a
 * WebSocket upgrade to a reserved path answered a denied client 404 before the network policy ran.
 * Every request now passes the same network stage, refused, audited and counted alike.
 */
import t from 'tap';
import { fetchText, rawRequest, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { statusOf } from './support.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      network: { trustedProxies: ['127.0.0.1'], deny: ['10.6.0.0/16'], allow: ['127.0.0.1', '10.0.0.0/8'] },
      authorization: { rules: [{ name: 'open', paths: ['/open/**'], action: 'public' }] },
    },
  });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

/** authgate_denials_total{reason} as scraped from /__authgate__/metrics by an allowed client. */
async function denials(reason: string): Promise<number> {
  const scraped = await fetchText(ag, '/__authgate__/metrics');
  const line = scraped.body.split('\n').find((l) => l.startsWith(`authgate_denials_total{reason="${reason}"} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const auditFor = (clientIp: string, path: string) =>
  ag.audit.map((l) => JSON.parse(l) as { event: string; clientIp?: string; reason?: string; path?: string }).filter((e) => e.event === 'net.ip.refused' && e.clientIp === clientIp && e.path === path);

const PATHS = ['/__authgate__/healthz', '/__authgate__/readyz', '/__authgate__/jwks.json', '/.well-known/authgate/jwks.json', '/__authgate__/metrics', '/__authgate__/login', '/open/page'];
const CLIENTS: Array<{ xff: string; ip: string; status: number; reason: string }> = [
  { xff: '10.6.1.2', ip: '10.6.1.2', status: 403, reason: 'ip-denied' },
  { xff: '192.0.2.9', ip: '192.0.2.9', status: 403, reason: 'ip-not-allowed' },
  { xff: 'not-an-ip', ip: '127.0.0.1', status: 400, reason: 'xff-malformed' },
];

for (const client of CLIENTS) {
  for (const path of PATHS) {
    t.test(`${path} from X-Forwarded-For ${client.xff}: ${client.status} ${client.reason}, audited and counted`, async (t) => {
      const counted = await denials(client.reason);
      const audited = auditFor(client.ip, path).length;
      const before = upstream.received.length;
      const r = await fetchText(ag, path, { headers: { accept: 'application/json', 'x-forwarded-for': client.xff } });
      t.equal(r.status, client.status);
      t.equal(JSON.parse(r.body).error, client.reason);
      t.equal(upstream.received.length, before, 'nothing reached the upstream');
      t.equal(auditFor(client.ip, path).length, audited + 1, 'one net.ip.refused event');
      t.equal(await denials(client.reason), counted + 1, 'one more denial counted');
    });
  }
}

t.test('allowed clients reach the reserved routes as before', async (t) => {
  for (const headers of [{}, { 'x-forwarded-for': '10.1.2.3' }] as Array<Record<string, string>>) {
    const health = await fetchText(ag, '/__authgate__/healthz', { headers });
    t.equal(health.status, 200);
    t.equal(health.body, 'ok\n');
    t.equal((await fetchText(ag, '/.well-known/authgate/jwks.json', { headers })).status, 200);
    t.equal((await fetchText(ag, '/__authgate__/metrics', { headers })).status, 200);
  }
});

t.test('a WebSocket upgrade to a reserved path from a denied client meets the network policy first', async (t) => {
  const counted = await denials('ip-denied');
  const upgrade = (xff?: string) =>
    rawRequest(ag, `GET /__authgate__/healthz HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${xff ? `X-Forwarded-For: ${xff}\r\n` : ''}\r\n`);
  const denied = await upgrade('10.6.1.3');
  t.equal(statusOf(denied), 403);
  t.match(denied, /"error":"ip-denied"/);
  t.equal(await denials('ip-denied'), counted + 1, 'counted');
  t.equal(auditFor('10.6.1.3', '/__authgate__/healthz').length, 1, 'audited');
  t.equal(statusOf(await upgrade()), 404, 'an allowed client still learns there is no WebSocket endpoint there');
});
