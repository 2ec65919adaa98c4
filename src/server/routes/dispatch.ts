/**
 * Reserved routes under /__authgate__/ (and the JWKS's well-known alias): never forwarded. The
 * pipeline has run the Host, target and network stages before these (their refusals are answered
 * and recorded there, as for any request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refusal } from '../../core/index.ts';
import { jwks } from '../../identity/index.ts';
import { recordRefusal } from '../../observability/index.ts';
import type { Runtime } from '../runtime.ts';
import type { RequestContext } from '../context.ts';
import { answerRefusal, sendError, sendJson, sendText } from '../respond.ts';
import { handleLoginGet, handleLoginPost, handleLogoutGet, handleLogoutPost } from './login.ts';
import { handleOidcCallback, handleOidcStart } from './oidc.ts';

const RESERVED_PREFIX = '/__authgate__/';
const WELL_KNOWN_JWKS = '/.well-known/authgate/jwks.json';

/**
 * Reserved routes that answer whatever the Host: probes, scrapers and assertion verifiers call them
 * by pod IP or an internal name, and none of their answers holds a URL.
 */
const ANY_HOST = new Set([...['healthz', 'readyz', 'metrics', 'jwks.json'].map((route) => RESERVED_PREFIX + route), WELL_KNOWN_JWKS]);

export function answersAnyHost(url: string): boolean {
  return ANY_HOST.has(url.split('?', 1)[0] as string);
}

export function isReserved(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?', 1)[0] as string;
  return path.startsWith(RESERVED_PREFIX) || path === '/__authgate__' || path === WELL_KNOWN_JWKS;
}

/**
 * `target` is the canonical request target (checkTarget, run by the pipeline before this): no dot
 * segments, no encoded `/`, every escape well formed.
 */
export async function handleReserved(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext, target: string): Promise<void> {
  const url = new URL(target, 'https://authgate.invalid');
  const route = url.pathname === WELL_KNOWN_JWKS ? 'jwks.json' : url.pathname.slice(RESERVED_PREFIX.length);
  const method = req.method ?? 'GET';
  switch (route) {
    case 'healthz':
      return sendText(res, 200, 'ok\n');
    case 'readyz':
      return readyz(rt, res);
    case 'jwks.json':
      return sendJson(res, 200, jwks(rt.keySet), { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
    case 'metrics':
      if (!rt.config.metrics.enabled || rt.config.metrics.port !== undefined) return sendError(req, res, 404, 'not-found', 'Not found.');
      return sendText(res, 200, await rt.metrics.registry.metrics(), { 'content-type': rt.metrics.registry.contentType });
    case 'userinfo':
      return userinfo(rt, req, res);
    case 'login':
      if (method === 'POST') return handleLoginPost(rt, req, res, ctx);
      if (method === 'GET' || method === 'HEAD') return handleLoginGet(rt, req, res, url);
      return sendError(req, res, 405, 'method-not-allowed', 'Use GET or POST.', { allow: 'GET, POST' });
    case 'logout':
      if (method === 'POST') return handleLogoutPost(rt, req, res, ctx);
      if (method === 'GET' || method === 'HEAD') return handleLogoutGet(rt, req, res, ctx);
      return sendError(req, res, 405, 'method-not-allowed', 'Use GET or POST.', { allow: 'GET, POST' });
    default: {
      const [first, second, ...rest] = route.split('/');
      if (second && rest.length === 0 && (method === 'GET' || method === 'HEAD')) {
        const id = decodeSegment(second);
        if (id === undefined) {
          const refused = refusal('bad-path', 'The request path was refused: malformed percent-encoding or invalid UTF-8.');
          recordRefusal(rt, refused, { requestId: ctx.requestId, clientIp: ctx.client.ip, method: req.method, target: req.url ?? '' });
          return answerRefusal({ req, res }, refused);
        }
        if (first === 'login') return handleOidcStart(rt, req, res, id, url);
        if (first === 'callback') return handleOidcCallback(rt, req, res, ctx, id, url);
      }
      return sendError(req, res, 404, 'not-found', 'No such authgate endpoint.');
    }
  }
}

/** A path segment decoded, or undefined for a malformed escape or invalid UTF-8 (decodeURIComponent throws on both). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Shared by the main port and the metrics port (Kubernetes probes come from node addresses outside network.allow). */
export async function readyz(rt: Runtime, res: ServerResponse): Promise<void> {
  const now = rt.now();
  // The upstream is probed at most once per 2 s, however often readyz is asked (hot-path.ts keeps the last answer).
  let lastProbe = rt.hotPath.readiness;
  if (now - lastProbe.at > 2000) {
    lastProbe = { at: now, ok: await rt.upstream.probe(2000) };
    rt.hotPath.readiness = lastProbe;
  }
  const providers = await Promise.all(
    rt.providers.map(async (p) => {
      const check = p.password?.health ?? p.oidc?.health;
      const health = check ? await check().catch(() => ({ ok: false, detail: 'health check failed' })) : { ok: true };
      return { id: p.id, type: p.config.type, ...health };
    }),
  );
  const ok = lastProbe.ok;
  sendJson(res, ok ? 200 : 503, { ready: ok, config: 'loaded', upstream: lastProbe.ok ? 'reachable' : 'unreachable', providers });
}

async function userinfo(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const read = await rt.sessions.read(req.headers.cookie);
  if (!read.session) return sendJson(res, 401, { error: 'unauthenticated', message: 'No session.' });
  const { identity } = read.session;
  sendJson(res, 200, {
    provider: identity.provider,
    uniqueId: identity.uniqueId,
    username: identity.username,
    email: identity.email,
    firstName: identity.firstName,
    lastName: identity.lastName,
    groups: identity.groups,
    role: identity.role,
    authTime: identity.authTime,
    refreshedAt: identity.refreshedAt,
    sessionExpiresAt: Math.floor((read.session.createdAt + rt.config.session.maxLifetime) / 1000),
  });
}
