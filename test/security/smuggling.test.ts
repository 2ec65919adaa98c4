/**
 * Request smuggling: ambiguous framing is refused (400) or normalised; the upstream never sees a
 * request authgate did not judge. Every attack hides a second request for /admin/smuggled (denied
 * to everyone by a rule) where a front-end and a back-end could disagree about where the first ends.
 */
import t from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, statusesOf } from './support.ts';

const HIDDEN = 'GET /admin/smuggled HTTP/1.1\r\nHost: localhost\r\nX-Hidden: 1\r\n\r\n';

let upstream: TestUpstream;
let ag: TestAuthgate;
let cookie: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      authorization: { rules: [{ name: 'no-admin', paths: ['/admin/**'], action: 'deny' }] },
    },
  });
  cookie = (await login(ag, 'alice', 'alice-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

interface Case {
  name: string;
  /** Header lines after Host and Cookie. */
  headers: string[];
  body: string;
  version?: string;
  /** Body bytes the upstream must see if authgate accepts the request. */
  bodyBytes?: number;
  /** Must be refused with 400 (strict parsing), rather than "refused or normalised". */
  mustRefuse?: boolean;
}

const chunkedWithHidden = `0\r\n\r\n${HIDDEN}`;
const cases: Case[] = [
  { name: 'CL.TE: Content-Length first, then chunked', headers: [`Content-Length: ${chunkedWithHidden.length}`, 'Transfer-Encoding: chunked'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.CL: chunked first, then Content-Length', headers: ['Transfer-Encoding: chunked', 'Content-Length: 4'], body: `5c\r\n${HIDDEN}\r\n0\r\n\r\n`, mustRefuse: true },
  { name: 'TE.TE: "chunked " with a trailing space', headers: ['Transfer-Encoding: chunked ', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: "Chunked"', headers: ['Transfer-Encoding: Chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: tab before chunked', headers: ['Transfer-Encoding:\tchunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: x-chunked', headers: ['Transfer-Encoding: x-chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: two TE headers (chunked, identity)', headers: ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: two TE headers (identity, chunked) with a length', headers: ['Transfer-Encoding: identity', 'Transfer-Encoding: chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: TE with a space before the colon', headers: ['Transfer-Encoding : chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: TE by obs-fold', headers: ['Transfer-Encoding:', ' chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'TE.TE: TE in a Connection-listed header', headers: ['Connection: Transfer-Encoding', 'Transfer-Encoding: chunked', 'Content-Length: 4'], body: chunkedWithHidden, mustRefuse: true },
  { name: 'duplicate Content-Length, different values', headers: ['Content-Length: 4', `Content-Length: ${4 + HIDDEN.length}`], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'duplicate Content-Length, same value', headers: ['Content-Length: 4', 'Content-Length: 4'], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'Content-Length list "4, 4"', headers: ['Content-Length: 4, 4'], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'Content-Length with a plus sign', headers: ['Content-Length: +4'], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'Content-Length in hex', headers: ['Content-Length: 0x4'], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'negative Content-Length', headers: ['Content-Length: -1'], body: `abcd${HIDDEN}`, mustRefuse: true },
  { name: 'chunk size with a 0x prefix', headers: ['Transfer-Encoding: chunked'], body: `0x4\r\nabcd\r\n0\r\n\r\n${HIDDEN}`, mustRefuse: true },
  { name: 'chunk size overflowing 64 bits', headers: ['Transfer-Encoding: chunked'], body: `10000000000000004\r\nabcd\r\n0\r\n\r\n${HIDDEN}`, mustRefuse: true },
  { name: 'chunk data longer than its size', headers: ['Transfer-Encoding: chunked'], body: `2\r\nabcd\r\n0\r\n\r\n${HIDDEN}`, mustRefuse: true },
  { name: 'bare LF line endings in chunked framing', headers: ['Transfer-Encoding: chunked'], body: `4\nabcd\n0\n\n${HIDDEN}`, mustRefuse: true },
  { name: 'chunked on HTTP/1.0', version: 'HTTP/1.0', headers: ['Transfer-Encoding: chunked'], body: `4\r\nabcd\r\n0\r\n\r\n${HIDDEN}`, bodyBytes: 4 },
  { name: 'chunked with a chunk extension', headers: ['Transfer-Encoding: chunked'], body: `4;name=value\r\nabcd\r\n0\r\n\r\n`, bodyBytes: 4 },
  { name: 'chunked with a trailer', headers: ['Transfer-Encoding: chunked'], body: `4\r\nabcd\r\n0\r\nX-Auth-Username: admin\r\n\r\n`, bodyBytes: 4 },
  { name: 'pipelined request hidden in a Content-Length body', headers: [`Content-Length: ${4 + HIDDEN.length}`], body: `abcd${HIDDEN}`, bodyBytes: 4 + HIDDEN.length },
  { name: 'GET with a body carrying a request', headers: [`Content-Length: ${HIDDEN.length}`], body: HIDDEN, bodyBytes: HIDDEN.length },
];

let n = 0;
for (const c of cases) {
  t.test(c.name, async (t) => {
    const path = `/s/${++n}`;
    const beforeAll = upstream.received.length;
    const head = [`POST ${path} ${c.version ?? 'HTTP/1.1'}`, 'Host: localhost', `Cookie: ${cookie}`, ...c.headers, '', ''].join('\r\n');
    const answer = await exchange(ag, Buffer.from(head + c.body, 'latin1'), { timeoutMs: 1200 });
    const statuses = statusesOf(answer);
    const fresh = upstream.received.slice(beforeAll);
    t.same(fresh.filter((r) => r.url.includes('admin') || r.headers['x-hidden']), [], 'the hidden request never reached the upstream');
    t.ok(fresh.length <= 1, `the upstream saw at most one request (${fresh.map((r) => r.url).join(', ')})`);
    if (c.mustRefuse) {
      t.equal(statuses[0], 400, 'refused with 400');
      t.same(fresh, [], 'nothing forwarded');
      return;
    }
    const seen = fresh[0];
    if (!seen) {
      t.equal(statuses[0], 400, 'refused with 400');
      return;
    }
    // Accepted and normalised (the connection may still end with a 400 for what followed the body).
    t.equal(seen.url, path);
    t.equal(seen.bodyBytes, c.bodyBytes, 'the upstream got exactly the body authgate framed');
    t.notOk(seen.headers['transfer-encoding'] && seen.headers['content-length'], 'one framing only');
    t.notOk(seen.headers['x-auth-username'] === 'admin', 'a trailer never becomes an identity header');
    t.ok(statuses.filter((s) => s === 200).length <= 1, `only the forwarded request was answered 200 (${statuses.join(', ')})`);
  });
}

t.test('the upstream never saw /admin during the whole run', async (t) => {
  t.same(upstream.received.filter((r) => r.url.includes('admin')).map((r) => r.url), []);
});

t.test('a pipelined second request after a clean one is judged on its own', async (t) => {
  const before = upstream.received.length;
  const first = `GET /pipelined/1 HTTP/1.1\r\nHost: localhost\r\nCookie: ${cookie}\r\n\r\n`;
  const answer = await exchange(ag, first + HIDDEN.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'), { timeoutMs: 2000 });
  t.same(statusesOf(answer), [200, 401], 'the first is forwarded; the second has no session and is refused');
  t.same(upstream.received.slice(before).map((r) => r.url), ['/pipelined/1']);
});
