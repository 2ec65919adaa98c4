/**
 * Request bodies never timed out: login POSTs trickling one byte every few seconds each held a
 * descriptor for minutes, a refused request's body was read and discarded for as long as the
 * client trickled it (Node keeps the connection for the next request), and an anonymous
 * WebSocket on a public path stayed open forever. Now a form body has `listen.formBodyTimeout`
 * (408, connection closed), a refused request is answered and its connection closed without
 * waiting for the body, and a WebSocket without a session closes after
 * `upstream.anonymousWebsocketIdleTimeout` with nothing from the client. Loops are bounded.
 */
import t from 'tap';
import tls from 'node:tls';
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
      upstream: { url: upstream.url, anonymousWebsocketIdleTimeout: '1s' },
      listen: { formBodyTimeout: '1s' },
      authorization: { rules: [{ name: 'open', paths: ['/open/**'], action: 'public' }] },
      auth: { throttle: { maxFailuresPerUser: 10_000, maxFailuresPerIp: 100_000 } },
    },
  });
  cookie = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

interface Trickled {
  answer: string;
  closedAfterMs: number | undefined;
  bytesSent: number;
}

/**
 * Sends `head`, then one body byte every `everyMs` until the server closes or `maxMs` passes
 * (then the client gives up). Reports the answer and when the server closed the connection.
 */
function trickle(head: string, everyMs: number, maxMs: number): Promise<Trickled> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytesSent = 0;
    let ticker: NodeJS.Timeout | undefined;
    const started = Date.now();
    let done = false;
    const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => {
      socket.write(head);
      ticker = setInterval(() => {
        if (socket.writable) {
          socket.write('a');
          bytesSent++;
        }
      }, everyMs);
    });
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearInterval(ticker);
      clearTimeout(limit);
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), closedAfterMs: closed ? Date.now() - started : undefined, bytesSent });
    };
    const limit = setTimeout(() => finish(false), maxMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error) => (chunks.length > 0 || bytesSent > 0 ? finish(true) : reject(error)));
    socket.on('close', () => finish(true));
  });
}

function postHead(path: string, length: number, headers: string[] = []): string {
  return [`POST ${path} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${length}`, `Origin: ${ag.origin}`, ...headers, '', ''].join('\r\n');
}

t.test('40 login POSTs trickling one byte every 300 ms are each cut with 408 within the 1 s bound', async (t) => {
  const results = await Promise.all(Array.from({ length: 40 }, () => trickle(postHead('/__authgate__/login', 1000), 300, 6000)));
  const statuses = new Set(results.map((r) => /^HTTP\/1\.1 (\d{3})/.exec(r.answer)?.[1]));
  t.same([...statuses], ['408'], 'every one got 408');
  const open = results.filter((r) => r.closedAfterMs === undefined).length;
  t.equal(open, 0, 'authgate closed every connection');
  const slowest = Math.max(...results.map((r) => r.closedAfterMs ?? Infinity));
  t.ok(slowest < 3000, `the slowest was closed after ${slowest} ms (bound 1 s, checked every 1 s)`);
  t.match(results[0]?.answer ?? '', /"error":"ERR_REQUEST_TIMEOUT"/);
  t.match(results[0]?.answer ?? '', /connection: close/i);
});

t.test('a complete login form still works (the bound does not cut ordinary posts)', async (t) => {
  const r = await login(ag, 'bob', 'bob-Passw0rd!');
  t.ok(r.cookie, 'signed in');
});

const refused: Array<{ name: string; path: string; headers: () => string[]; status: number }> = [
  { name: 'unauthenticated POST to a protected path', path: '/protected/upload', headers: () => [], status: 401 },
  { name: 'a request target refused as a bad path (a fragment)', path: '/x#frag', headers: () => [`Cookie: ${cookie}`], status: 400 },
  { name: 'login POST declaring a form larger than 16 KiB', path: '/__authgate__/login', headers: () => [], status: 413 },
  { name: 'POST to the health route, which reads no body', path: '/__authgate__/healthz', headers: () => [], status: 200 },
];
for (const c of refused) {
  t.test(`${c.name}: ${c.status} at once and the connection closed, the trickling body is not waited for`, async (t) => {
    const before = upstream.received.length;
    const r = await trickle(postHead(c.path, 100_000, c.headers()), 200, 5000);
    t.equal(/^HTTP\/1\.1 (\d{3}) /.exec(r.answer)?.[1], String(c.status));
    t.ok(r.closedAfterMs !== undefined && r.closedAfterMs < 2000, `closed after ${r.closedAfterMs ?? 'never (5 s)'} ms`);
    t.equal(upstream.received.length, before, 'nothing reached the upstream');
  });
}

/** Opens a WebSocket; resolves when it is open. */
function openWs(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://localhost:${ag.port}${path}`, { ca: ag.cert.ca, headers, handshakeTimeout: 3000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closedWithin(ws: WebSocket, ms: number): Promise<number | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(0);
    const timer = setTimeout(() => resolve(undefined), ms);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

t.test('an anonymous WebSocket on a public path that stays silent is closed after the 1 s idle bound', async (t) => {
  const ws = await openWs('/open/ws');
  const after = await closedWithin(ws, 4000);
  t.ok(after !== undefined && after >= 900 && after < 3000, `closed after ${after ?? 'never (4 s)'} ms`);
  ws.terminate();
});

t.test('an anonymous WebSocket whose client keeps sending stays open past the bound', async (t) => {
  const ws = await openWs('/open/ws');
  let echoed = 0;
  ws.on('message', () => echoed++);
  const ticker = setInterval(() => ws.send('tick'), 250);
  const after = await closedWithin(ws, 2500);
  clearInterval(ticker);
  t.equal(after, undefined, 'still open after 2.5 s');
  t.ok(echoed >= 5, `${echoed} echoes came back`);
  ws.terminate();
});

t.test("a signed-in user's WebSocket is not subject to the anonymous bound", async (t) => {
  const ws = await openWs('/ws', { cookie });
  t.equal(await closedWithin(ws, 2500), undefined, 'still open after 2.5 s');
  ws.terminate();
});
