/**
 * Resource exhaustion: slowloris, huge headers, thousands of cookies, 100 concurrent logins and
 * a WebSocket frame flood, each while a well-behaved client keeps asking for a page: it must keep
 * getting 200s within a bounded latency, and authgate must stay up. Loops are bounded in count
 * and time; everything is on loopback.
 */
import t from 'tap';
import tls from 'node:tls';
import WebSocket from 'ws';
import { startAuthgate, fetchText, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, statusOf } from './support.ts';

const MAX_LATENCY_MS = 2500;

let upstream: TestUpstream;
let ag: TestAuthgate;
let cookie: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      listen: { headersTimeout: '2s', maxHeaderSize: 16_384 },
      auth: { throttle: { maxFailuresPerUser: 10_000, maxFailuresPerIp: 100_000 } },
    },
  });
  cookie = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

/** A well-behaved client asking for a page every 50 ms until stopped; returns statuses and the worst latency. */
function goodClient(): { stop(): Promise<{ count: number; failures: string[]; worstMs: number }> } {
  let running = true;
  const failures: string[] = [];
  let worstMs = 0;
  let count = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const r = await fetchText(ag, '/good/client', { headers: { cookie } });
        if (r.status !== 200) failures.push(`status ${r.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      worstMs = Math.max(worstMs, performance.now() - started);
      count++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { count, failures, worstMs: Math.round(worstMs) };
    },
  };
}

async function underAttack(t: import('tap').Test, attack: () => Promise<void>): Promise<void> {
  const client = goodClient();
  await attack();
  const { count, failures, worstMs } = await client.stop();
  t.same(failures, [], `the well-behaved client got only 200s (${count} requests)`);
  t.ok(count >= 1, `it kept being served (${count} requests)`);
  t.ok(worstMs < MAX_LATENCY_MS, `its worst latency was ${worstMs} ms (limit ${MAX_LATENCY_MS})`);
  t.equal((await fetchText(ag, '/__authgate__/healthz')).status, 200, 'authgate is up');
}

t.test('slowloris: 150 connections trickling headers are cut off by headersTimeout', async (t) => {
  const closedAfter: number[] = [];
  const answers = new Set<string>();
  await underAttack(t, async () => {
    const started = Date.now();
    const sockets = await Promise.all(
      Array.from({ length: 150 }, () =>
        new Promise<tls.TLSSocket>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => {
            socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n');
            resolve(socket);
          });
          socket.on('error', () => undefined);
          socket.on('data', (d: Buffer) => answers.add(d.toString('latin1').slice(0, 12)));
          socket.on('close', () => closedAfter.push(Date.now() - started));
        }),
      ),
    );
    const trickle = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('X-a: b\r\n');
    }, 400);
    const deadline = Date.now() + 8000;
    while (closedAfter.length < sockets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
  });
  t.equal(closedAfter.length, 150, 'every slow connection was closed');
  const cut = closedAfter.filter((ms) => ms < 8000).length;
  t.equal(cut, 150, `authgate closed all of them by itself (after ${[...closedAfter].sort((a, b) => a - b).filter((_, i) => i % 10 === 0).join(", ")} ms)`);
  t.same([...answers], ['HTTP/1.1 408'], 'each was told 408 Request Timeout');
  t.equal(upstream.received.filter((r) => r.url === '/slow').length, 0, 'none reached the upstream');
});

t.test('huge headers: 431, in parallel', async (t) => {
  await underAttack(t, async () => {
    const shapes = [
      `X-Big: ${'a'.repeat(100_000)}`,
      Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n'),
      `Cookie: ${'c'.repeat(40_000)}`,
      `X-Auth-Username: ${'a'.repeat(50_000)}`,
    ];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => exchange(ag, `GET /big HTTP/1.1\r\nHost: localhost\r\n${shapes[i % shapes.length]}\r\n\r\n`)));
    for (const a of answers) t.equal(statusOf(a), 431);
  });
  const longTarget = await exchange(ag, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  t.ok([400, 414, 431].includes(statusOf(longTarget)), `a 100 kB request target is refused (${statusOf(longTarget)})`);
});

t.test('thousands of cookies: bounded work, no session found past the limit, no error', async (t) => {
  await underAttack(t, async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `c${i}=v`).join('; ');
    const manyLines = Array.from({ length: 1000 }, (_, i) => `Cookie: k${i}=v`).join('\r\n');
    for (let i = 0; i < 20; i++) {
      const before = await fetchText(ag, '/cookies', { headers: { cookie: `${many}; ${cookie}`, accept: 'application/json' } });
      t.ok([401, 431].includes(before.status), `our cookie after 2000 others: ${before.status}`);
      const lines = await exchange(ag, `GET /cookies HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n${manyLines}\r\nConnection: close\r\n\r\n`);
      t.ok([401, 431].includes(statusOf(lines)), `1000 Cookie header lines: ${statusOf(lines)}`);
    }
    const first = await fetchText(ag, '/cookies', { headers: { cookie: `${cookie}; ${many}` } });
    t.ok([200, 431].includes(first.status), `our cookie first, then 2000 others: ${first.status}`);
  });
});

t.test('100 concurrent logins all succeed within a bounded time', async (t) => {
  await underAttack(t, async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => login(ag, i % 2 ? 'alice' : 'bob', i % 2 ? 'alice-Passw0rd!' : 'bob-Passw0rd!')));
    t.equal(results.filter((r) => r.response.status === 302 && r.cookie).length, 100, 'every login succeeded');
    t.equal(new Set(results.map((r) => r.cookie)).size, 100, 'each got its own session');
    t.ok(Date.now() - started < 20_000, `in ${Date.now() - started} ms`);
  });
  await underAttack(t, async () => {
    // Unknown users cost a dummy scrypt each (no username probing by timing): 30 keep this quick.
    const wrong = await Promise.all(Array.from({ length: 30 }, (_, i) => login(ag, `nobody${i}`, 'wrong-password')));
    t.ok(wrong.every((r) => r.response.status === 401), '30 concurrent failed logins are 401s');
  });
});

t.test('WebSocket frame flood: small frames, big frames, and a peer that never reads', async (t) => {
  await underAttack(t, async () => {
    const ws = new WebSocket(`wss://localhost:${ag.port}/ws/flood`, { ca: ag.cert.ca, headers: { cookie }, maxPayload: 8 * 1024 * 1024 });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let echoed = 0;
    ws.on('message', () => echoed++);
    const deadline = Date.now() + 4000;
    let sent = 0;
    const big = Buffer.alloc(1024 * 1024, 1);
    while (Date.now() < deadline && sent < 20_000) {
      for (let i = 0; i < 500; i++) ws.send('x'.repeat(64));
      sent += 500;
      if (sent % 5000 === 0) ws.send(big);
      await new Promise((r) => setImmediate(r));
      while (ws.bufferedAmount > 16 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    const wait = Date.now() + 5000;
    while (echoed < sent && Date.now() < wait) await new Promise((r) => setTimeout(r, 50));
    t.ok(echoed > 0, `${sent} frames sent, ${echoed} echoed back`);
    ws.terminate();
    // A client that floods and never reads its echoes: its socket is paused, not buffered without bound.
    const deaf = new WebSocket(`wss://localhost:${ag.port}/ws/deaf`, { ca: ag.cert.ca, headers: { cookie } });
    await new Promise((resolve, reject) => deaf.once('open', resolve).once('error', reject));
    (deaf as unknown as { _socket: { pause(): void } })._socket.pause();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 40; i++) deaf.send(big);
    await new Promise((r) => setTimeout(r, 1500));
    const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    t.ok(growth < 400, `memory grew ${growth.toFixed(0)} MiB with 40 MiB sent to a deaf peer (client, proxy and upstream share this process)`);
    deaf.terminate();
  });
});
