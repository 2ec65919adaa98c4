/**
 * The plain-HTTP redirect port was an open redirect: `GET //evil.example/x` answered 308 to
 * `http://evil.example/x` (the target was resolved as a URL relative to publicUrl). Every
 * answer must point at publicUrl's origin, keeping an ordinary path and query.
 */
import t from 'tap';
import net from 'node:net';
import { freePort, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;
let redirectPort: number;

t.before(async () => {
  upstream = await startUpstream();
  redirectPort = await freePort();
  ag = await startAuthgate({ config: { upstream: { url: upstream.url }, publicUrl: 'https://gate.example', listen: { httpRedirectPort: redirectPort } } });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

/** One raw request on the plain-HTTP port; the whole answer as text (bounded by 3 s). */
function plain(requestLine: string, host = 'gate.example'): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(redirectPort, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => (chunks.length ? undefined : reject(e)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

const cases: Array<{ line: string; want: string; host?: string }> = [
  { line: 'GET //evil.example/x HTTP/1.1', want: 'https://gate.example/' },
  { line: 'GET ///evil.example/x HTTP/1.1', want: 'https://gate.example/' },
  { line: 'GET /\\evil.example/x HTTP/1.1', want: 'https://gate.example/' },
  { line: 'GET http://evil.example/x HTTP/1.1', want: 'https://gate.example/' },
  { line: 'GET https://evil.example/x?y=1 HTTP/1.1', want: 'https://gate.example/' },
  { line: 'GET /x HTTP/1.1', host: 'evil.example', want: 'https://gate.example/x' },
  { line: 'GET /app/page?a=1&b=%2F%2F HTTP/1.1', want: 'https://gate.example/app/page?a=1&b=%2F%2F' },
];

for (const c of cases) {
  t.test(`${c.line} (Host: ${c.host ?? 'gate.example'})`, async (t) => {
    const answer = await plain(c.line, c.host);
    t.match(answer, /^HTTP\/1\.1 308 /, 'a permanent redirect');
    const location = /\r\nlocation: ([^\r\n]*)/i.exec(answer)?.[1];
    t.equal(location, c.want);
    t.equal(new URL(location ?? 'about:blank').origin, 'https://gate.example', 'never another origin');
  });
}
