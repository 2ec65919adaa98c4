/**
 * Path rules on RStudio RPCs against an upstream that dispatches RPCs the way the IDE's session
 * does: by the JSON body's "method", whatever the URL (SessionHttpMethods.cpp, SessionRpc.cpp
 * handleRpcRequest, JsonRpc.cpp parseJsonRpcRequest). Without authgate's check a viewer runs a
 * denied RPC by posting it to an allowed URL.
 */
import t from 'tap';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { startAuthgate, fetchText, login, rawRequest, type TestAuthgate } from '../support/authgate.ts';

/** What the session ran: RPC methods by name, and other paths. */
interface Ran { rpc: string[]; other: string[]; bodies: string[] }

/** An upstream that routes like rserver + rsession: strips a /s/<21 hex>/ scope, runs /rpc/* by the body's method. */
async function startRStudioLike(): Promise<{ url: string; ran: Ran; close(): Promise<void> }> {
  const ran: Ran = { rpc: [], other: [], bodies: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // parseSessionUrl: the first /s/<5+8+8 hex>/ is replaced by "/"
      const uri = (req.url ?? '/').replace(/\/s\/[A-Fa-f0-9]{21}\//, '/');
      if (uri.startsWith('/rpc/')) {
        let method = '';
        try {
          const parsed = JSON.parse(body) as { method?: unknown };
          if (typeof parsed.method === 'string') method = parsed.method;
        } catch {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":{"code":3}}');
          return;
        }
        ran.rpc.push(method);
        ran.bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: method }));
        return;
      }
      ran.other.push(uri);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, ran, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const PRESET = parse(readFileSync(path.resolve(import.meta.dirname, '../../config/presets/workbench-lockdown.yaml'), 'utf8')) as { rules: unknown[] };
const S = '/s/9a8b7c6d5e4f3a2b1c0d9';

let upstream: Awaited<ReturnType<typeof startRStudioLike>>;
let ag: TestAuthgate;
let viewer: string;

t.before(async () => {
  upstream = await startRStudioLike();
  ag = await startAuthgate({ config: { upstream: { url: upstream.url, profile: 'workbench' }, authorization: { rules: PRESET.rules } } });
  const session = await login(ag, 'bob', 'bob-Passw0rd!');
  if (!session.cookie) throw new Error('bob could not log in');
  viewer = session.cookie;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

function rpc(target: string, body: string, cookie = viewer) {
  return fetchText(ag, target, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: ag.origin }, body });
}

t.test('a denied RPC posted to an allowed URL is refused, and the session runs nothing', async (t) => {
  const cases: Array<[string, string, string]> = [
    // [target, body, what the refusal says]
    ['/rpc/console_input', '{"method":"start_terminal","params":[],"clientId":"c"}', 'names method "start_terminal"'],
    [`${S}/rpc/console_input`, '{"method":"start_terminal","params":[]}', 'names method "start_terminal"'],
    [`${S}/rpc/console_input`, '{"method":"console_input","params":[],"method":"rsconnect_publish"}', 'names method "rsconnect_publish"'],
    [`${S}/rpc/console_input/x`, '{"method":"git_push"}', 'must end in /rpc/<method>'],
    [`${S}/rpc/`, '{"method":"git_push"}', 'must end in /rpc/<method>'],
    [`${S}/rpc/console_input`, '{"method":"start_terminal"} trailing', 'not valid UTF-8 JSON'],
    [`${S}/rpc/console_input`, '["start_terminal"]', 'not a JSON object'],
  ];
  for (const [target, body, why] of cases) {
    const before = upstream.ran.rpc.length;
    const r = await rpc(target, body);
    t.equal(r.status, 400, `${target} ${body}`);
    t.equal(JSON.parse(r.body).error, 'rpc-method-mismatch');
    t.match(JSON.parse(r.body).message, why);
    t.equal(upstream.ran.rpc.length, before, 'nothing ran upstream');
  }
  t.ok(ag.audit.some((line) => line.includes('"authz.denied"') && line.includes('rpc-method-mismatch')), 'audited as a denial');
});

t.test('an RPC whose body names its URL method reaches the session with its body intact', async (t) => {
  const body = JSON.stringify({ method: 'console_input', params: ['x <- "zoë"', '', 0], clientId: 'c' });
  const r = await rpc(`${S}/rpc/console_input`, body);
  t.equal(r.status, 200);
  t.equal(upstream.ran.rpc.at(-1), 'console_input');
  t.equal(upstream.ran.bodies.at(-1), body, 'same bytes');
  const denied = await rpc(`${S}/rpc/start_terminal`, '{"method":"start_terminal"}');
  t.equal(denied.status, 403, 'the matching URL meets the preset rule');
  t.equal(JSON.parse(denied.body).error, 'path-denied-for-role');
});

t.test('a chunked RPC body is read and checked the same way', async (t) => {
  const body = '{"method":"start_terminal"}';
  const send = (target: string) =>
    rawRequest(ag, `POST ${target} HTTP/1.1\r\nHost: localhost\r\nCookie: ${viewer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
  t.match(await send(`${S}/rpc/console_input`), /^HTTP\/1\.1 400 /, 'the body method, not the URL, decides');
  const good = '{"method":"console_input"}';
  const answer = await rawRequest(ag, `POST ${S}/rpc/console_input HTTP/1.1\r\nHost: localhost\r\nCookie: ${viewer}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${good.length.toString(16)}\r\n${good}\r\n0\r\n\r\n`);
  t.match(answer, /^HTTP\/1\.1 200 /);
  t.equal(upstream.ran.rpc.at(-1), 'console_input');
});

t.test('an RPC body over 16 MiB is refused with 413 before it is read', async (t) => {
  const answer = await rawRequest(ag, `POST ${S}/rpc/save_document HTTP/1.1\r\nHost: localhost\r\nCookie: ${viewer}\r\nContent-Length: ${16 * 1024 * 1024 + 1}\r\n\r\n{`);
  t.match(answer, /^HTTP\/1\.1 413 /);
  t.match(answer, /RPC body too large/);
});

t.test('requests outside /rpc/ and without a body stream as before', async (t) => {
  const r = await fetchText(ag, `${S}/rpc/console_input`, { method: 'POST', headers: { cookie: viewer, origin: ag.origin } });
  t.equal(r.status, 200, 'no body: nothing to check (the session parses nothing and runs nothing)');
  const plain = await fetchText(ag, `${S}/grpc/console_input`, { method: 'POST', headers: { cookie: viewer }, body: 'not json' });
  t.equal(plain.status, 200);
  t.equal(upstream.ran.other.at(-1), '/grpc/console_input');
});
