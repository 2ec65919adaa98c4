/**
 * The request pipeline: client IP -> Host and request target -> network policy -> reserved routes ->
 * session -> authentication -> authorization -> (WebSocket Origin) -> identity forwarding -> forward.
 * Each stage returns data: a pass, or a Refusal (core/refusal.ts) that `refuse` records
 * (observability/refusals.ts) and answers (respond.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolveClientIp, type ClientAddress } from '../net/index.ts';
import { checkTarget, rpcBodyMismatch, rpcPathName, type CheckedTarget } from '../policy/index.ts';
import { closeWhenIdle, forwardUpgrade, hasBody } from '../proxy/index.ts';
import { isAuthgateError, isRefusal, refusal, type Refusal } from '../core/index.ts';
import { recordRefusal } from '../observability/index.ts';
import { isWorkbenchBackground } from '../identity/index.ts';
import type { Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';
import type { RequestContext } from './context.ts';
import { BAD_HOST_MESSAGE, hostRefused, upstreamHeaders } from './forwarding.ts';
import { continueIfExpected, readBody } from './routes/body.ts';
import { refreshIfDue } from './refresh.ts';
import { handleReserved, isReserved } from './routes/dispatch.ts';
import { answerError, answerRefusal, refuseUpgrade, type Channel } from './respond.ts';

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
  // Workbench's background RPCs (marked X-RStudio-Refresh-Auth-Creds: 0) are not the user's activity: they never renew the session.
  const background = rt.config.upstream.profile === 'workbench' && isWorkbenchBackground(req.headers['x-rstudio-refresh-auth-creds']);
  const read = await rt.sessions.read(req.headers.cookie, rt.hotPath.connection(req.socket), { background });
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

type Checked = Extract<CheckedTarget, { ok: true }>;

/**
 * The request's Host and target, checked before anything else (reserved routes included): a
 * foreign Host is `bad-host`, a refused spelling `bad-path`; otherwise `target` is what goes
 * upstream and `path` what the rules match.
 */
function requestStage(rt: Runtime, req: IncomingMessage): Checked | Refusal {
  if (hostRefused(rt, req)) return refusal('bad-host', BAD_HOST_MESSAGE);
  const checked = checkTarget(req.url ?? '/', rt.config.authorization.pathCaseSensitive);
  return checked.ok ? checked : refusal('bad-path', `The request path was refused: ${checked.reason}.`);
}

/** The network policy, for every request (reserved routes included). */
function networkStage(rt: Runtime, ctx: RequestContext): Refusal | undefined {
  // A trusted proxy passed on something that is not an address: the client cannot be told apart from the proxy.
  if (ctx.client.malformed !== undefined) return refusal('xff-malformed', 'X-Forwarded-For holds an entry that is not an IP address.', { detail: { entry: ctx.client.malformed } });
  const refused = rt.network.refuse(ctx.client.ip);
  return refused ? refusal(refused, 'Access from your network address is not allowed.') : undefined;
}

/** Session and rules, shared by HTTP and WebSocket requests; `setCookie` goes out with a pass and with a refusal. */
async function accessStage(rt: Runtime, req: IncomingMessage, ctx: RequestContext, websocket: boolean, checked: Checked): Promise<{ session: Session | undefined; setCookie: string[]; refused?: Refusal }> {
  const { session, setCookie } = await sessionStage(rt, req, ctx);
  const method = (req.method ?? 'GET').toUpperCase();
  // An API key is a principal of its own (no user, role or groups); only rules with apiKeys: true admit it.
  const apiKey = !session && passesAsApiKey(rt, req);
  const decision = rt.rules.decide({ path: checked.path, method, websocket, clientIp: ctx.client.ip, identity: session?.identity, apiKey });
  if (decision.principal) ctx.principal = decision.principal;
  if (decision.allow) return { session: decision.public && !session ? undefined : session, setCookie };
  const [code] = decision.reasons;
  const facts = { path: checked.path, ...(decision.rule ? { rule: decision.rule } : {}), ...(decision.principal ? { principal: decision.principal } : {}), ...(session ? { who: session.identity } : {}) };
  // A refused API key is answered as unauthenticated (and audited, unlike each anonymous request).
  if (code === 'unauthenticated') return { session, setCookie, refused: refusal(code, 'Authentication is required.', { ...facts, returnTo: checked.target }) };
  return { session, setCookie, refused: refusal(code, decision.rule ? `Access denied by rule "${decision.rule}".` : 'Access denied.', facts) };
}

/** Largest RPC body authgate reads to check (the IDE saves a document through an RPC carrying its text); larger: 413. */
const MAX_RPC_BODY = 16 * 1024 * 1024;
const RPC_BODY_TIMEOUT_MS = 60_000;

/**
 * workbench profile: the body of a request to an RStudio RPC path, read and checked against the
 * method its URL names (policy/workbench-rpc.ts), so the rules judged the method the session runs.
 * Undefined: not an RPC request with a body (streamed as usual).
 */
async function rpcStage(rt: Runtime, req: IncomingMessage, res: ServerResponse, checked: Checked, session: Session | undefined): Promise<{ body: Buffer } | Refusal | undefined> {
  if (rt.config.upstream.profile !== 'workbench') return undefined;
  const name = rpcPathName(checked.target);
  if (name === undefined || !hasBody(req)) return undefined;
  const body = await readBody(req, res, { maxBytes: MAX_RPC_BODY, timeoutMs: RPC_BODY_TIMEOUT_MS, what: 'RPC body' });
  const mismatch = rpcBodyMismatch(name, body);
  if (mismatch === undefined) return { body };
  return refusal('rpc-method-mismatch', `The RPC was refused: ${mismatch}.`, { path: checked.path, detail: { reason: mismatch }, ...(session ? { who: session.identity } : {}) });
}

/** Records a refusal (audit and metric) and answers it; `own` are authgate's response headers (HTTP only). */
function refuse(rt: Runtime, req: IncomingMessage, ctx: RequestContext, to: Channel, refused: Refusal, own?: Record<string, string | string[]>): void {
  recordRefusal(rt, refused, { requestId: ctx.requestId, clientIp: ctx.client.ip, method: req.method, target: req.url ?? '' });
  if (own && 'res' in to) setAll(to.res, own);
  answerRefusal(to, refused);
}

export async function handleRequest(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ctx = requestContext(rt, req);
  // authgate's own response headers: handed to the upstream adapter on the forwarding path, set on `res` on every other one.
  const own: Record<string, string | string[]> = {};
  const hsts = rt.responses.hsts;
  if (hsts) own['strict-transport-security'] = hsts;
  res.once('finish', () => accessLog(rt, req, res.statusCode, ctx));
  try {
    const target = requestStage(rt, req);
    if (isRefusal(target)) return refuse(rt, req, ctx, { req, res }, target, own);
    const blocked = networkStage(rt, ctx);
    if (blocked) return refuse(rt, req, ctx, { req, res }, blocked, own);
    if (isReserved(target.target)) {
      setAll(res, own);
      await handleReserved(rt, req, res, ctx, target.target);
      return;
    }
    const result = await accessStage(rt, req, ctx, false, target);
    if (result.setCookie.length > 0) own['set-cookie'] = result.setCookie;
    if (result.refused) return refuse(rt, req, ctx, { req, res }, result.refused, own);
    const rpc = await rpcStage(rt, req, res, target, result.session);
    if (rpc && isRefusal(rpc)) return refuse(rt, req, ctx, { req, res }, rpc, own);
    const headers = await upstreamHeaders(rt, req, ctx.client.ip, ctx.requestId, result.session, false);
    if ((result.session || ctx.principal) && rt.config.audit.requests) {
      const who = result.session ? { subject: { username: result.session.identity.username } } : { detail: { principal: ctx.principal } };
      res.once('finish', () => rt.audit.emit('request.completed', { requestId: ctx.requestId, clientIp: ctx.client.ip, ...who, method: req.method, path: (req.url ?? '').slice(0, 500), status: res.statusCode }));
    }
    continueIfExpected(req, res);
    const upstreamStarted = performance.now();
    const status = await rt.upstream.forward(req, res, target.target, headers, own, rpc?.body);
    rt.metrics.upstreamDone(status, (performance.now() - upstreamStarted) / 1000);
  } catch (error) {
    if (!res.headersSent) setAll(res, own);
    failRequest(rt, ctx, { req, res }, error);
  }
}

function setAll(res: ServerResponse, headers: Record<string, string | string[]>): void {
  for (const name in headers) res.setHeader(name, headers[name] as string | string[]);
}

/** A thrown error: logged (a warning for an AuthgateError, an error for anything else) and answered. */
function failRequest(rt: Runtime, ctx: RequestContext, to: Channel, error: unknown): void {
  if (isAuthgateError(error)) rt.logger.warn({ requestId: ctx.requestId, code: error.code, detail: error.detail }, error.publicMessage);
  else rt.logger.error({ requestId: ctx.requestId, err: error }, 'request failed');
  answerError(to, error);
}

/** A WebSocket upgrade that a page of a foreign origin opened is refused, after the rules and before the upstream. */
function originStage(rt: Runtime, req: IncomingMessage, session: Session | undefined): Refusal | undefined {
  const origin = req.headers.origin;
  if (rt.originPolicy.allows(origin)) return undefined;
  return refusal('websocket-origin-refused', 'WebSocket connections from this Origin are not allowed (not publicUrl and not in upstream.websocketOrigins).', {
    detail: { origin: String(origin).slice(0, 200) },
    ...(session ? { who: session.identity } : {}),
  });
}

export async function handleUpgrade(rt: Runtime, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const ctx = requestContext(rt, req);
  socket.on('error', () => socket.destroy());
  const to = { socket };
  try {
    const target = requestStage(rt, req);
    if (isRefusal(target)) return refuse(rt, req, ctx, to, target);
    const blocked = networkStage(rt, ctx);
    if (blocked) return refuse(rt, req, ctx, to, blocked);
    if (isReserved(target.target)) return refuseUpgrade(socket, 404, 'not-found', 'No WebSocket endpoint here.');
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuseUpgrade(socket, 400, 'bad-upgrade', 'Only WebSocket upgrades are supported.');
    const result = await accessStage(rt, req, ctx, true, target);
    const refused = result.refused ?? originStage(rt, req, result.session);
    if (refused) return refuse(rt, req, ctx, to, refused);
    const headers = await upstreamHeaders(rt, req, ctx.client.ip, ctx.requestId, result.session, true);
    const upgraded = await forwardUpgrade(rt.upgradeTarget, req, socket, head, rt.upgradeTarget.url.pathname.replace(/\/+$/, '') + target.target, headers);
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
    rt.logger.warn({ requestId: ctx.requestId, err: error }, 'websocket upgrade failed');
    answerError(to, error);
  }
}

function accessLog(rt: Runtime, req: IncomingMessage, status: number, ctx: RequestContext): void {
  const seconds = (performance.now() - ctx.started) / 1000;
  rt.metrics.requestDone(status, seconds);
  if (rt.config.logging.accessLog) {
    rt.logger.info({ requestId: ctx.requestId, method: req.method, path: (req.url ?? '').split('?')[0]?.slice(0, 500), status, ms: Math.round(seconds * 10_000) / 10, clientIp: ctx.client.ip, ...(ctx.principal ? { principal: ctx.principal } : {}) }, 'request');
  }
}
