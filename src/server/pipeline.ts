/**
 * The request pipeline: client IP -> request target check -> network policy -> reserved routes -> session ->
 * authentication -> authorization -> identity forwarding -> forward. Each stage returns data;
 * responses are written through respond.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolveClientIp, type ClientAddress } from '../net/index.ts';
import { checkTarget, type CheckedTarget, type Decision } from '../policy/index.ts';
import { closeWhenIdle, forwardUpgrade, websocketOriginPolicy, type OriginPolicy } from '../proxy/index.ts';
import { isAuthgateError } from '../core/index.ts';
import type { Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';
import { BAD_HOST_MESSAGE, hostRefused, upstreamHeaders } from './forwarding.ts';
import { continueIfExpected } from './body.ts';
import { refreshIfDue } from './refresh.ts';
import { handleReserved, isReserved } from './routes.ts';
import { redirect, refuseUpgrade, sendError, wantsHtml } from './respond.ts';

export interface RequestContext {
  requestId: string;
  client: ClientAddress;
  started: number;
  /** Set when the rules judged the request as an API key (no session), for the access log and audit. */
  principal?: 'api-key';
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

function clientAddress(rt: Runtime, req: IncomingMessage): ClientAddress {
  const forwardedFor = req.headers['x-forwarded-for'];
  // Only a request without X-Forwarded-For (or with no trusted proxies) is judged by the peer alone.
  if (forwardedFor !== undefined && rt.network.trusted.size > 0) return resolveClientIp(req.socket.remoteAddress, forwardedFor, rt.network.trusted);
  // Keep-alive requests on one connection parse the peer address once (hot-path.ts).
  const connection = rt.hotPath.connection(req.socket);
  connection.peerIp ??= resolveClientIp(req.socket.remoteAddress, undefined, rt.network.trusted).ip;
  return { ip: connection.peerIp, via: [] };
}

function requestContext(rt: Runtime, req: IncomingMessage): RequestContext {
  const given = req.headers['x-request-id'];
  // A request id is adopted only from a trusted proxy (a client's would let it name log lines and
  // audit events after another request); the upstream receives authgate's id, never the client's.
  const adopt = typeof given === 'string' && rt.network.trusted.size > 0 && REQUEST_ID.test(given) && rt.network.trusted.contains(req.socket.remoteAddress ?? '');
  const requestId = adopt ? given : rt.hotPath.requestId();
  return { requestId, client: clientAddress(rt, req), started: performance.now() };
}

/** Session stage: the current session (renewed or refreshed as needed) and any Set-Cookie to send. */
async function sessionStage(rt: Runtime, req: IncomingMessage, ctx: RequestContext): Promise<{ session?: Session; setCookie: string[] }> {
  const read = await rt.sessions.read(req.headers.cookie, rt.hotPath.connection(req.socket));
  if (!read.session) {
    if (read.invalid) {
      rt.audit.emit('session.invalid', { requestId: ctx.requestId, clientIp: ctx.client.ip, reason: read.invalid });
      return { setCookie: [rt.sessions.clearCookie()] };
    }
    return { setCookie: [] };
  }
  const setCookie = read.setCookie ? [read.setCookie] : [];
  const refreshed = await refreshIfDue(rt, read.session);
  if ('ended' in refreshed) return { setCookie: [rt.sessions.clearCookie()] };
  if (refreshed.setCookie) return { session: refreshed.session, setCookie: [refreshed.setCookie] };
  return { session: refreshed.session, setCookie };
}

function passesAsApiKey(rt: Runtime, req: IncomingMessage): boolean {
  if (!rt.config.upstream.passApiKeys) return false;
  const authorization = req.headers.authorization;
  const token = req.headers['x-auth-token'];
  return (typeof authorization === 'string' && /^Key\s+\S/i.test(authorization)) || (typeof token === 'string' && token.trim() !== '');
}

export function loginLocation(originalUrl: string): string {
  return `/__authgate__/login?rd=${encodeURIComponent(originalUrl)}`;
}

type Gate =
  | { pass: true; session: Session | undefined; setCookie: string[] }
  | { pass: false; status: number; code: string; message: string; setCookie: string[]; decision?: Decision; login?: boolean };

type Checked = Extract<CheckedTarget, { ok: true }>;

/**
 * The request target, checked before anything else (reserved routes included): refused spellings
 * answer 400 `bad-path`; otherwise `target` is what goes upstream and `path` what the rules match.
 */
function checkRequestTarget(rt: Runtime, req: IncomingMessage): CheckedTarget {
  const checked = checkTarget(req.url ?? '/', rt.config.authorization.pathCaseSensitive);
  if (!checked.ok) rt.metrics.denials.inc({ reason: 'bad-path' });
  return checked;
}

const badPathMessage = (reason: string) => `The request path was refused: ${reason}.`;

/** Everything between the network policy and forwarding, shared by HTTP and WebSocket requests. */
async function gate(rt: Runtime, req: IncomingMessage, ctx: RequestContext, websocket: boolean, checked: Checked): Promise<Gate> {
  if (ctx.client.malformed !== undefined) {
    // A trusted proxy passed on something that is not an address: the client cannot be told apart from the proxy.
    rt.audit.emit('net.ip.refused', { requestId: ctx.requestId, clientIp: ctx.client.ip, reason: 'xff-malformed', detail: { entry: ctx.client.malformed } });
    rt.metrics.denials.inc({ reason: 'xff-malformed' });
    return { pass: false, status: 400, code: 'xff-malformed', message: 'X-Forwarded-For holds an entry that is not an IP address.', setCookie: [] };
  }
  const refused = rt.network.refuse(ctx.client.ip);
  if (refused) {
    rt.audit.emit('net.ip.refused', { requestId: ctx.requestId, clientIp: ctx.client.ip, reason: refused, method: req.method, path: (req.url ?? '').slice(0, 200) });
    rt.metrics.denials.inc({ reason: refused });
    return { pass: false, status: 403, code: refused, message: 'Access from your network address is not allowed.', setCookie: [] };
  }
  const { session, setCookie } = await sessionStage(rt, req, ctx);
  const method = (req.method ?? 'GET').toUpperCase();
  // An API key is a principal of its own (no user, role or groups); only rules with apiKeys: true admit it.
  const apiKey = !session && passesAsApiKey(rt, req);
  const decision = rt.rules.decide({ path: checked.path, method, websocket, clientIp: ctx.client.ip, identity: session?.identity, apiKey });
  if (decision.principal) ctx.principal = decision.principal;
  if (decision.allow) return { pass: true, session: decision.public && !session ? undefined : session, setCookie };
  if (decision.reasons.includes('unauthenticated') && !decision.principal) {
    rt.metrics.denials.inc({ reason: 'unauthenticated' });
    return { pass: false, status: 401, code: 'unauthenticated', message: 'Authentication is required.', setCookie, decision, login: true };
  }
  const reason = decision.reasons[0] ?? 'default-deny';
  rt.metrics.denials.inc({ reason });
  rt.audit.emit('authz.denied', {
    requestId: ctx.requestId,
    clientIp: ctx.client.ip,
    provider: session?.identity.provider,
    subject: session ? { username: session.identity.username, uniqueId: session.identity.uniqueId } : undefined,
    reason,
    ...(decision.rule ? { rule: decision.rule } : {}),
    ...(decision.principal ? { detail: { principal: decision.principal } } : {}),
    method,
    path: checked.path.slice(0, 500),
  });
  // A refused API key is audited above (unlike each anonymous request) and answered as unauthenticated.
  if (reason === 'unauthenticated') return { pass: false, status: 401, code: 'unauthenticated', message: 'Authentication is required.', setCookie, decision, login: true };
  return { pass: false, status: 403, code: reason, message: decision.rule ? `Access denied by rule "${decision.rule}".` : 'Access denied.', setCookie, decision };
}

export async function handleRequest(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ctx = requestContext(rt, req);
  // authgate's own response headers: handed to the upstream adapter on the forwarding path, set on `res` on every other one.
  const own: Record<string, string | string[]> = {};
  const hsts = rt.responses.hsts;
  if (hsts) own['strict-transport-security'] = hsts;
  res.once('finish', () => accessLog(rt, req, res.statusCode, ctx));
  try {
    if (hostRefused(rt, req)) {
      setAll(res, own);
      rt.metrics.denials.inc({ reason: 'bad-host' });
      return sendError(req, res, 400, 'bad-host', BAD_HOST_MESSAGE);
    }
    const checked = checkRequestTarget(rt, req);
    if (!checked.ok) {
      setAll(res, own);
      return sendError(req, res, 400, 'bad-path', badPathMessage(checked.reason));
    }
    if (isReserved(checked.target)) {
      setAll(res, own);
      const refused = rt.network.refuse(ctx.client.ip);
      if (refused) return sendError(req, res, 403, refused, 'Access from your network address is not allowed.');
      await handleReserved(rt, req, res, ctx, checked.target);
      return;
    }
    const result = await gate(rt, req, ctx, false, checked);
    if (result.setCookie.length > 0) own['set-cookie'] = result.setCookie;
    if (!result.pass) {
      setAll(res, own);
      if (result.login && wantsHtml(req)) return redirect(res, loginLocation(checked.target));
      return sendError(req, res, result.status, result.code, result.message, result.login ? { 'www-authenticate': 'Cookie realm="authgate"' } : {});
    }
    const headers = await upstreamHeaders(rt, req, ctx.client.ip, ctx.requestId, result.session, false);
    if ((result.session || ctx.principal) && rt.config.audit.requests) {
      const who = result.session ? { subject: { username: result.session.identity.username } } : { detail: { principal: ctx.principal } };
      res.once('finish', () => rt.audit.emit('request.completed', { requestId: ctx.requestId, clientIp: ctx.client.ip, ...who, method: req.method, path: (req.url ?? '').slice(0, 500), status: res.statusCode }));
    }
    continueIfExpected(req, res);
    const upstreamStarted = performance.now();
    const status = await rt.upstream.forward(req, res, checked.target, headers, own);
    rt.metrics.upstreamDone(status, (performance.now() - upstreamStarted) / 1000);
  } catch (error) {
    if (!res.headersSent) setAll(res, own);
    failRequest(rt, req, res, ctx, error);
  }
}

function setAll(res: ServerResponse, headers: Record<string, string | string[]>): void {
  for (const name in headers) res.setHeader(name, headers[name] as string | string[]);
}

function failRequest(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext, error: unknown): void {
  if (isAuthgateError(error)) {
    rt.logger.warn({ requestId: ctx.requestId, code: error.code, detail: error.detail }, error.publicMessage);
    return sendError(req, res, error.status, error.code, error.expose || error.status === 502 || error.status === 504 ? error.publicMessage : 'Internal error.');
  }
  rt.logger.error({ requestId: ctx.requestId, err: error }, 'request failed');
  sendError(req, res, 500, 'internal', 'Internal error.');
}

/** The WebSocket Origin policy of each runtime (a reload builds a new runtime and so a new policy). */
const originPolicies = new WeakMap<Runtime, OriginPolicy>();

/** Refuses a WebSocket upgrade that a page of a foreign origin opened; audited like any denial. */
function refusedOrigin(rt: Runtime, req: IncomingMessage, ctx: RequestContext, session: Session | undefined): boolean {
  let policy = originPolicies.get(rt);
  if (!policy) originPolicies.set(rt, (policy = websocketOriginPolicy(rt.publicUrl.origin, rt.config.upstream.websocketOrigins)));
  const origin = req.headers.origin;
  if (policy.allows(origin)) return false;
  rt.metrics.denials.inc({ reason: 'websocket-origin-refused' });
  rt.audit.emit('authz.denied', {
    requestId: ctx.requestId,
    clientIp: ctx.client.ip,
    provider: session?.identity.provider,
    subject: session ? { username: session.identity.username, uniqueId: session.identity.uniqueId } : undefined,
    reason: 'websocket-origin-refused',
    method: req.method,
    path: (req.url ?? '').slice(0, 500),
    detail: { origin: String(origin).slice(0, 200) },
  });
  return true;
}

export async function handleUpgrade(rt: Runtime, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const ctx = requestContext(rt, req);
  socket.on('error', () => socket.destroy());
  try {
    if (hostRefused(rt, req)) {
      rt.metrics.denials.inc({ reason: 'bad-host' });
      return refuseUpgrade(socket, 400, 'bad-host', BAD_HOST_MESSAGE);
    }
    const checked = checkRequestTarget(rt, req);
    if (!checked.ok) return refuseUpgrade(socket, 400, 'bad-path', badPathMessage(checked.reason));
    if (isReserved(checked.target)) return refuseUpgrade(socket, 404, 'not-found', 'No WebSocket endpoint here.');
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuseUpgrade(socket, 400, 'bad-upgrade', 'Only WebSocket upgrades are supported.');
    const result = await gate(rt, req, ctx, true, checked);
    if (!result.pass) return refuseUpgrade(socket, result.status, result.code, result.message);
    if (refusedOrigin(rt, req, ctx, result.session)) {
      return refuseUpgrade(socket, 403, 'websocket-origin-refused', 'WebSocket connections from this Origin are not allowed (not publicUrl and not in upstream.websocketOrigins).');
    }
    const headers = await upstreamHeaders(rt, req, ctx.client.ip, ctx.requestId, result.session, true);
    const upgraded = await forwardUpgrade(rt.upgradeTarget, req, socket, head, rt.upgradeTarget.url.pathname.replace(/\/+$/, '') + checked.target, headers);
    if (upgraded.status === 101) {
      rt.metrics.websocketsActive.inc();
      rt.metrics.websocketsTotal.inc();
      const session = result.session;
      const forget = session
        ? rt.websockets.add(session.sid, { lastSeen: session.lastSeen, deadline: session.createdAt + rt.config.session.maxLifetime }, () => socket.destroy())
        : closeWhenIdle(socket, rt.config.upstream.anonymousWebsocketIdleTimeout);
      if (session) {
        let last = 0;
        socket.on('data', () => {
          const t = Date.now();
          if (t - last < 1000) return;
          last = t;
          rt.websockets.clientActivity(session.sid);
        });
      }
      void upgraded.closed.then(() => {
        rt.metrics.websocketsActive.dec();
        forget?.();
      });
    }
    accessLog(rt, req, upgraded.status, ctx);
  } catch (error) {
    const status = isAuthgateError(error) ? error.status : 500;
    rt.logger.warn({ requestId: ctx.requestId, err: error }, 'websocket upgrade failed');
    refuseUpgrade(socket, status, isAuthgateError(error) ? error.code : 'internal', isAuthgateError(error) ? error.publicMessage : 'Internal error.');
  }
}

function accessLog(rt: Runtime, req: IncomingMessage, status: number, ctx: RequestContext): void {
  const seconds = (performance.now() - ctx.started) / 1000;
  rt.metrics.requestDone(status, seconds);
  if (rt.config.logging.accessLog) {
    rt.logger.info({ requestId: ctx.requestId, method: req.method, path: (req.url ?? '').split('?')[0]?.slice(0, 500), status, ms: Math.round(seconds * 10_000) / 10, clientIp: ctx.client.ip, ...(ctx.principal ? { principal: ctx.principal } : {}) }, 'request');
  }
}
