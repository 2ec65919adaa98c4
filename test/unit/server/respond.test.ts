import t from 'tap';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AuthgateError } from '../../../src/core/errors.ts';
import { refusal } from '../../../src/core/refusal.ts';
import { answerError, answerRefusal } from '../../../src/server/respond.ts';

interface Written {
  status?: number;
  headers: Record<string, unknown>;
  body: string;
}

function http(headers: Record<string, string>, method = 'GET'): { to: { req: IncomingMessage; res: ServerResponse }; written: Written } {
  const req = { method, headers } as unknown as IncomingMessage;
  const written: Written = { headers: {}, body: '' };
  const res = {
    req,
    headersSent: false,
    writeHead(status: number, h: Record<string, unknown>) {
      written.status = status;
      written.headers = h;
    },
    end(body?: Buffer) {
      written.body = body ? body.toString() : '';
    },
  } as unknown as ServerResponse;
  return { to: { req, res }, written };
}

function upgrade(): { to: { socket: Duplex }; raw: () => string } {
  let text = '';
  const socket = { end: (s: string) => (text = s) } as unknown as Duplex;
  return { to: { socket }, raw: () => text };
}

const BROWSER = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };
const API = { accept: 'application/json' };

t.test('a browser that must sign in is sent to the login page with the target to return to', async (t) => {
  const { to, written } = http(BROWSER);
  answerRefusal(to, refusal('unauthenticated', 'Authentication is required.', { returnTo: '/app/a b?x=1' }));
  t.equal(written.status, 302);
  t.equal(written.headers.location, '/__authgate__/login?rd=%2Fapp%2Fa%20b%3Fx%3D1');
});

t.test('an API client that must sign in gets 401 JSON with a challenge', async (t) => {
  const { to, written } = http(API);
  answerRefusal(to, refusal('unauthenticated', 'Authentication is required.', { returnTo: '/app' }));
  t.equal(written.status, 401);
  t.equal(written.headers['www-authenticate'], 'Cookie realm="authgate"');
  t.same(JSON.parse(written.body), { error: 'unauthenticated', message: 'Authentication is required.' });
});

t.test('any other refusal: its status, a page for a browser, JSON with the code for a program', async (t) => {
  const page = http(BROWSER);
  answerRefusal(page.to, refusal('path-denied', 'Access denied by rule "x".'));
  t.equal(page.written.status, 403);
  t.ok(page.written.body.includes('<h1>Forbidden</h1><p>Access denied by rule &quot;x&quot;.</p>'), 'the page names the rule');
  t.equal(page.written.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(page.written.headers['www-authenticate'], undefined);
  const json = http(API);
  answerRefusal(json.to, refusal('ip-denied', 'Access from your network address is not allowed.'));
  t.equal(json.written.status, 403);
  t.same(JSON.parse(json.written.body), { error: 'ip-denied', message: 'Access from your network address is not allowed.' });
});

t.test('an upgrade request gets the refusal as JSON on its socket, and closes', async (t) => {
  const { to, raw } = upgrade();
  answerRefusal(to, refusal('websocket-origin-refused', 'Not from there.'));
  t.match(raw(), /^HTTP\/1\.1 403 Forbidden\r\n/);
  t.match(raw(), /\r\nconnection: close\r\n/);
  t.match(raw(), /\r\n\r\n\{"error":"websocket-origin-refused","message":"Not from there\."\}$/);
});

const errors: Array<{ name: string; error: unknown; status: number; code: string; message: string }> = [
  { name: 'a client error shows its message', error: new AuthgateError('ERR_REQUEST_TIMEOUT', 'The form did not arrive within 10 s.', { status: 408 }), status: 408, code: 'ERR_REQUEST_TIMEOUT', message: 'The form did not arrive within 10 s.' },
  { name: 'an unreachable upstream shows its message', error: new AuthgateError('ERR_UPSTREAM_UNAVAILABLE', 'The upstream server is not reachable.', { status: 502 }), status: 502, code: 'ERR_UPSTREAM_UNAVAILABLE', message: 'The upstream server is not reachable.' },
  { name: 'a slow upstream shows its message', error: new AuthgateError('ERR_UPSTREAM_TIMEOUT', 'The upstream server did not answer in time.', { status: 504 }), status: 504, code: 'ERR_UPSTREAM_TIMEOUT', message: 'The upstream server did not answer in time.' },
  { name: 'another server error hides its message', error: new AuthgateError('ERR_SIGNING_FAILED', 'The identity assertion could not be signed.', { status: 500 }), status: 500, code: 'ERR_SIGNING_FAILED', message: 'Internal error.' },
  { name: 'anything else is a 500 internal', error: new TypeError('boom'), status: 500, code: 'internal', message: 'Internal error.' },
];

for (const c of errors) {
  t.test(`errors, HTTP and upgrade alike: ${c.name}`, async (t) => {
    const { to, written } = http(API);
    answerError(to, c.error);
    t.equal(written.status, c.status);
    t.same(JSON.parse(written.body), { error: c.code, message: c.message });
    const socket = upgrade();
    answerError(socket.to, c.error);
    t.match(socket.raw(), new RegExp(`^HTTP/1\\.1 ${c.status} `));
    t.ok(socket.raw().endsWith(JSON.stringify({ error: c.code, message: c.message })));
  });
}
