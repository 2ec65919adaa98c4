/**
 * An upstream response setting authgate's own cookies (issue 16): a publisher's app served on the
 * same origin could answer `Set-Cookie: __Host-authgate=<its own session>` and swap a viewer into
 * a session of its choosing, or switch HSTS off with `Strict-Transport-Security: max-age=0`.
 * authgate drops every upstream Set-Cookie for its cookies (session, CSRF, OIDC transaction, in
 * any case, `__Host-` or `__Secure-`, and nameless cookies read back as one) and always sends its
 * own HSTS, on ordinary responses, WebSocket 101 handshakes and refused upgrades.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { fetchText, login, type TestAuthgate, startAuthgate } from '../support/authgate.ts';
import { exchange, SPOOF, statusOf } from './support.ts';

const HOSTILE_COOKIES = [
  `__Host-authgate=${SPOOF}; Path=/; Secure; HttpOnly; SameSite=Lax`,
  `__Host-authgate-csrf=${SPOOF}; Path=/; Secure`,
  `__host-AUTHGATE-oidc=${SPOOF}; Path=/; Secure`,
  `__Secure-authgate=${SPOOF}; Path=/; Secure`,
  `=__Host-authgate=${SPOOF}; Path=/app; Secure`,
];
const APP_COOKIE = 'app-session=kept; Path=/';

let ag: TestAuthgate;
let server: http.Server;
let bob: string;

t.before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': [...HOSTILE_COOKIES, APP_COOKIE], 'strict-transport-security': 'max-age=0' });
    res.end('hello');
  });
  server.on('upgrade', (req, socket) => {
    const cookies = [...HOSTILE_COOKIES, APP_COOKIE].map((c) => `Set-Cookie: ${c}\r\n`).join('');
    if ((req.url ?? '').startsWith('/ws/refuse')) {
      socket.end(`HTTP/1.1 403 Forbidden\r\n${cookies}Strict-Transport-Security: max-age=0\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno`);
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n${cookies}Strict-Transport-Security: max-age=0\r\n\r\n`);
    setTimeout(() => socket.destroy(), 200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ag = await startAuthgate({ config: { upstream: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } } });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Set-Cookie and HSTS lines of a raw answer's header block. */
function headerLines(answer: string, name: string): string[] {
  const head = answer.split('\r\n\r\n', 1)[0] ?? '';
  return head
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name}:`))
    .map((l) => l.slice(name.length + 1).trim());
}

function checkAnswer(t: Test, answer: string, expectedStatus: number): void {
  t.equal(statusOf(answer), expectedStatus, `status ${expectedStatus}`);
  const cookies = headerLines(answer, 'set-cookie');
  t.same(cookies.filter((c) => c.includes(SPOOF)), [], "none of the upstream's cookies for authgate's names got through");
  t.ok(cookies.includes(APP_COOKIE), "the application's own cookie still does");
  t.same(headerLines(answer, 'strict-transport-security'), ['max-age=31536000'], "authgate's HSTS, once, never the upstream's max-age=0");
}

t.test('HTTP responses: authgate cookies dropped, HSTS replaced', async (t) => {
  checkAnswer(t, await exchange(ag, `GET /app/page HTTP/1.1\r\nHost: localhost\r\nCookie: ${bob}\r\nConnection: close\r\n\r\n`), 200);
  const r = await fetchText(ag, '/app/other', { headers: { cookie: bob } });
  t.equal(r.status, 200);
  t.same(r.setCookies.filter((c) => c.includes(SPOOF)), [], 'seen through undici too');
  t.equal(r.headers['strict-transport-security'], 'max-age=31536000');
});

const upgrade = (path: string) =>
  [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${bob}`, '', ''].join('\r\n');

t.test('WebSocket 101 handshake: authgate cookies dropped, HSTS replaced', async (t) => {
  checkAnswer(t, await exchange(ag, upgrade('/ws/ok'), { until: /\r\n\r\n/ }), 101);
});

t.test('upgrade refused by the upstream: authgate cookies dropped, HSTS replaced', async (t) => {
  checkAnswer(t, await exchange(ag, upgrade('/ws/refuse'), { until: /\r\n\r\nno/ }), 403);
});

t.test('each dropping is logged once per response, by cookie name, never with a value, and counted', async (t) => {
  const lines = ag.logs.filter((l) => l.includes("authgate's own cookies"));
  t.equal(lines.length, 4, 'one line per response: two HTTP responses, the 101 and the refused upgrade');
  for (const line of lines) {
    t.notOk(line.includes(SPOOF), 'no cookie value in the log');
    t.match(line, /__Host-authgate/, 'the name is there');
  }
  const metrics = await fetchText(ag, '/__authgate__/metrics');
  t.match(metrics.body, /authgate_upstream_cookies_dropped_total 4/);
});
