/**
 * `Expect: 100-continue` uploads got 502: Node answered 100 by itself before any check, then
 * undici refused to forward a request carrying Expect. libcurl sends it for large bodies (R's
 * curl and httr, rsconnect bundle uploads). authgate now answers 100 itself, only once the
 * request has passed the gate, and never forwards Expect; a refused request gets its final
 * status without 100, so its body is never sent, and the connection is closed.
 */
import t from 'tap';
import http from 'node:http';
import tls from 'node:tls';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { login, startAuthgate, type TestAuthgate } from '../support/authgate.ts';

const BODY = randomBytes(5 * 1024 * 1024 + 123);
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

interface Seen {
  url: string;
  bytes: number;
  sha256: string;
  expect: string | undefined;
}

let upstream: http.Server;
const seen: Seen[] = [];
let ag: TestAuthgate;
let cookie: string;
let bodyFile: string;

t.before(async () => {
  // The upstream hashes every body it receives and answers with the hash.
  upstream = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const record = { url: req.url ?? '', bytes, sha256: hash.digest('hex'), expect: req.headers.expect };
      seen.push(record);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(record));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  ag = await startAuthgate({
    config: {
      upstream: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` },
      authorization: { rules: [{ name: 'no-admin', paths: ['/admin/**'], action: 'deny' }] },
    },
  });
  cookie = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
  bodyFile = path.join(ag.dir, 'upload.bin');
  writeFileSync(bodyFile, BODY);
});
t.teardown(async () => {
  await ag.stop();
  await new Promise((resolve) => upstream.close(resolve));
});

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base = ['-sS', '-v', '--max-time', '30', '--cacert', ag.cert.caFile, '--resolve', `localhost:${ag.port}:127.0.0.1`];
    execFile('curl', [...base, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('curl is not installed (Debian package curl; .ci/install-transport-test-deps.sh)'));
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

t.test('curl uploads 5 MB with Expect: 100-continue through to the upstream, byte for byte', async (t) => {
  const before = seen.length;
  const r = await curl([
    `https://localhost:${ag.port}/upload`,
    '-H', `Cookie: ${cookie}`,
    '-H', 'Expect: 100-continue',
    '--expect100-timeout', '20',
    '-H', 'Content-Type: application/octet-stream',
    '--data-binary', `@${bodyFile}`,
    '-w', '\n%{http_code}',
  ]);
  t.equal(r.code, 0, `curl succeeded: ${r.stderr.split('\n').filter((l) => l.startsWith('curl:')).join(' ')}`);
  t.match(r.stderr, /< HTTP\/1\.1 100 Continue/, 'authgate answered 100 Continue');
  t.equal(r.stdout.trim().split('\n').at(-1), '200');
  const got = seen.slice(before).find((s) => s.url === '/upload');
  t.ok(got, 'the upstream got the request');
  t.equal(got?.bytes, BODY.length, 'every byte arrived');
  t.equal(got?.sha256, BODY_SHA, 'the same bytes arrived');
  t.equal(got?.expect, undefined, 'Expect was not forwarded');
});

/**
 * Sends the head of a POST with Expect: 100-continue and waits; sends the body only after a
 * 100. Returns everything read, whether a 100 came and whether the server closed (bounded by 5 s).
 */
function expectExchange(path: string, headers: string[]): Promise<{ answer: string; got100: boolean; closed: boolean; bodySent: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got100 = false;
    let bodySent = false;
    let finished = false;
    const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => {
      socket.write([`POST ${path} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/octet-stream', `Content-Length: ${BODY.length}`, 'Expect: 100-continue', ...headers, '', ''].join('\r\n'));
    });
    const finish = (closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), got100, closed, bodySent });
    };
    const timer = setTimeout(() => finish(false), 5000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      if (!got100 && /^HTTP\/1\.1 100 Continue\r\n\r\n/.test(text)) {
        got100 = true;
        bodySent = true;
        socket.write(BODY);
      }
      // A complete final response: stop at its end when the server keeps the connection open.
      if (/\r\n\r\n\{.*\}$/s.test(text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''))) setTimeout(() => finish(false), 300);
    });
    socket.on('error', (error) => (chunks.length > 0 ? finish(true) : reject(error)));
    socket.on('close', () => finish(true));
  });
}

t.test('a signed-in client waiting for 100 gets it, sends the body after it, and the upstream receives it whole', async (t) => {
  const before = seen.length;
  const r = await expectExchange('/raw-upload', [`Cookie: ${cookie}`]);
  t.ok(r.got100, 'a 100 Continue came before any body byte was sent');
  t.match(r.answer, /HTTP\/1\.1 200 OK/);
  const got = seen.slice(before).find((s) => s.url === '/raw-upload');
  t.equal(got?.bytes, BODY.length);
  t.equal(got?.sha256, BODY_SHA);
});

const refusals: Array<{ name: string; path: string; headers: () => string[]; status: number }> = [
  { name: 'no session', path: '/upload-anonymous', headers: () => [], status: 401 },
  { name: 'a path denied by a rule', path: '/admin/upload', headers: () => [`Cookie: ${cookie}`], status: 403 },
];
for (const c of refusals) {
  t.test(`${c.name}: ${c.status} without 100 Continue, the body is never asked for, the connection closes`, async (t) => {
    const before = seen.length;
    const started = Date.now();
    const r = await expectExchange(c.path, c.headers());
    t.equal(r.got100, false, 'no 100 Continue');
    t.equal(r.bodySent, false, 'the body was never sent');
    t.equal(/^HTTP\/1\.1 (\d{3}) /.exec(r.answer)?.[1], String(c.status), `the final status is ${c.status}`);
    t.ok(r.closed, 'authgate closed the connection');
    t.ok(Date.now() - started < 4000, `answered in ${Date.now() - started} ms`);
    t.equal(seen.length, before, 'nothing reached the upstream');
  });
}
