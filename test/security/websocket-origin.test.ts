/**
 * Cross-site WebSocket hijacking: a WebSocket upgrade carried no Origin check, so a page on any
 * site could open the user's IDE console through authgate with the user's cookie. An upgrade
 * whose Origin is neither publicUrl's origin nor in upstream.websocketOrigins gets 403
 * websocket-origin-refused before anything reaches the upstream; one without Origin (non-browser
 * clients) is not judged by it.
 */
import t from 'tap';
import WebSocket from 'ws';
import { login, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;
let cookie: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url, websocketOrigins: ['https://apps.example.com'] },
      authorization: { rules: [{ name: 'open', paths: ['/open/**'], action: 'public' }] },
    },
  });
  cookie = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

/** Opens a WebSocket and reports the handshake's status (101 when it opened; the echo is checked too) and body. */
function open(path: string, headers: Record<string, string>, origin?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://localhost:${ag.port}${path}`, { ca: ag.cert.ca, headers, ...(origin !== undefined ? { origin } : {}), handshakeTimeout: 3000 });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => ws.send('ping'));
    ws.on('message', (data) => {
      ws.close();
      resolve({ status: String(data) === 'ping' ? 101 : -1, body: String(data) });
    });
    ws.on('error', (error) => reject(error));
  });
}

const cases: Array<{ name: string; origin?: string; status: number }> = [
  { name: 'no Origin (non-browser client)', status: 101 },
  { name: "publicUrl's origin", origin: 'https://localhost', status: 101 },
  { name: 'a configured origin', origin: 'https://apps.example.com', status: 101 },
  { name: 'a foreign site', origin: 'https://evil.example', status: 403 },
  { name: "publicUrl's host over http", origin: 'http://localhost', status: 403 },
  { name: "publicUrl's host on another port", origin: 'https://localhost:8443', status: 403 },
  { name: 'a look-alike suffix', origin: 'https://localhost.evil.example', status: 403 },
  { name: 'the opaque origin null (sandboxed frame, data: URL)', origin: 'null', status: 403 },
];

for (const c of cases) {
  for (const who of ['signed-in user on a protected path', 'anonymous client on a public path'] as const) {
    t.test(`${c.name}: ${who}`, async (t) => {
      const before = upstream.upgrades.length;
      const signedIn = who.startsWith('signed-in');
      const result = await open(signedIn ? '/ws/echo' : '/open/ws', signedIn ? { cookie } : {}, c.origin);
      t.equal(result.status, c.status);
      if (c.status === 403) {
        t.match(JSON.parse(result.body), { error: 'websocket-origin-refused' });
        t.equal(upstream.upgrades.length, before, 'nothing reached the upstream');
        t.ok(ag.audit.some((line) => line.includes('"authz.denied"') && line.includes('websocket-origin-refused')), 'audited as a denial');
      } else {
        t.equal(upstream.upgrades.length, before + 1, 'the upstream got the upgrade');
      }
    });
  }
}
