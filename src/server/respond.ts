/** The one place results become HTTP responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isAuthgateError, type Refusal } from '../core/index.ts';
import { messagePage } from './routes/pages.ts';

/** The pages' CSP; `formTargets` are further origins a form may lead to (browsers apply form-action to its redirects too). */
export function contentSecurityPolicy(formTargets: string[] = []): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action ${["'self'", ...formTargets].join(' ')}; frame-ancestors 'none'; base-uri 'none'`;
}

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'content-security-policy': contentSecurityPolicy(),
};

/** Whether the client is a browser navigating (gets pages and redirects) rather than an API/XHR client (gets JSON). */
function wantsHtml(req: IncomingMessage): boolean {
  if (req.headers['x-requested-with']) return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  const accept = req.headers.accept ?? '';
  return (req.method === 'GET' || req.method === 'HEAD') && accept.includes('text/html');
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  const body = Buffer.from(html);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string | string[]> = {}): void {
  const body = Buffer.from(text);
  res.writeHead(status, { 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(302, { 'cache-control': 'no-store', location, 'content-length': 0, ...headers });
  res.end();
}

/** An error for a person (page) or a program (JSON with a reason code). */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (wantsHtml(req)) sendHtml(res, status, messagePage(titleFor(status), message), headers);
  else sendJson(res, status, { error: code, message }, headers);
}

/** Where an answer goes: an HTTP response, or the raw socket of an upgrade (WebSocket) request. */
export type Channel = { req: IncomingMessage; res: ServerResponse } | { socket: Duplex };

function loginLocation(originalUrl: string): string {
  return `/__authgate__/login?rd=${encodeURIComponent(originalUrl)}`;
}

/**
 * The one place a refusal becomes HTTP: a browser that must sign in is sent to the login page,
 * any other client that must sign in gets 401 with a `WWW-Authenticate` challenge, every other
 * refusal its status with a page or JSON (`error` is the refusal code); an upgrade request gets
 * the JSON on its socket.
 */
export function answerRefusal(to: Channel, refusal: Refusal): void {
  if ('socket' in to) return refuseUpgrade(to.socket, refusal.status, refusal.code, refusal.publicMessage);
  if (refusal.code !== 'unauthenticated') return sendError(to.req, to.res, refusal.status, refusal.code, refusal.publicMessage);
  if (refusal.returnTo !== undefined && wantsHtml(to.req)) return redirect(to.res, loginLocation(refusal.returnTo));
  sendError(to.req, to.res, refusal.status, refusal.code, refusal.publicMessage, { 'www-authenticate': 'Cookie realm="authgate"' });
}

/**
 * The answer to a thrown error: an AuthgateError keeps its status and code, and its public message
 * below 500 and for the upstream's 502 and 504; anything else is a 500 `internal`.
 */
export function answerError(to: Channel, error: unknown): void {
  let status = 500;
  let code = 'internal';
  let message = 'Internal error.';
  if (isAuthgateError(error)) {
    status = error.status;
    code = error.code;
    if (error.expose || error.status === 502 || error.status === 504) message = error.publicMessage;
  }
  if ('socket' in to) return refuseUpgrade(to.socket, status, code, message);
  sendError(to.req, to.res, status, code, message);
}

/** Refuses an upgrade (WebSocket) request on its raw socket. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: code, message });
  let head = `HTTP/1.1 ${status} ${titleFor(status)}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  socket.end(`${head}\r\n${body}`);
}

function titleFor(status: number): string {
  switch (status) {
    case 400: return 'Bad Request';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'Not Found';
    case 405: return 'Method Not Allowed';
    case 408: return 'Request Timeout';
    case 413: return 'Payload Too Large';
    case 429: return 'Too Many Requests';
    case 502: return 'Bad Gateway';
    case 503: return 'Service Unavailable';
    case 504: return 'Gateway Timeout';
    default: return status >= 500 ? 'Server Error' : 'Error';
  }
}
