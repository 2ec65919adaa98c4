/** The OIDC redirect flow: start at /__authgate__/login/<id>, finish at /__authgate__/callback/<id>. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admit } from '../../auth/admit.ts';
import { isAuthgateError } from '../../core/index.ts';
import { TRANSACTION_TTL_SECONDS, type OidcTransaction } from '../../auth/oidc/index.ts';
import { seal, unseal, readCookie, hostCookie, clearHostCookie } from '../../session/index.ts';
import type { Runtime } from '../runtime.ts';
import type { RequestContext } from '../context.ts';
import { safeReturnTo } from './return-to.ts';
import { notPermitted, signIn } from './sign-in.ts';
import { messagePage } from './pages.ts';
import { redirect, sendHtml } from '../respond.ts';

function txCookieName(rt: Runtime): string {
  return `${rt.config.session.cookieName}-oidc`;
}

export async function handleOidcStart(rt: Runtime, req: IncomingMessage, res: ServerResponse, providerId: string, url: URL): Promise<void> {
  const entry = rt.providersById.get(providerId);
  if (!entry?.oidc) return sendHtml(res, 404, messagePage('Unknown sign-in method', 'This sign-in method is not configured.'));
  try {
    const { authorizationUrl, transaction } = await entry.oidc.beginLogin(safeReturnTo(url.searchParams.get('rd')));
    const sealed = await seal(transaction as unknown as Record<string, unknown>, 'oidc-tx', rt.sessionKeys);
    redirect(res, authorizationUrl, { 'set-cookie': hostCookie(txCookieName(rt), sealed, { maxAgeSeconds: TRANSACTION_TTL_SECONDS }) });
  } catch (error) {
    rt.logger.warn({ provider: providerId, err: error }, 'OIDC login could not start');
    sendHtml(res, 503, messagePage('Sign-in unavailable', `${entry.config.name} is unavailable at the moment. Please try again shortly.`, '<p><a href="/__authgate__/login">Back to sign in</a></p>'));
  }
}

export async function handleOidcCallback(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext, providerId: string, url: URL): Promise<void> {
  const entry = rt.providersById.get(providerId);
  // Not an OIDC provider of ours (any id at all, or a password provider's): no login attempt,
  // so no audit event, no metric (whose labels must stay a closed set) and no throttling.
  if (!entry?.oidc) return sendHtml(res, 404, messagePage('Unknown sign-in method', 'This sign-in method is not configured.'));
  const clear = clearHostCookie(txCookieName(rt));
  const audit = { requestId: ctx.requestId, clientIp: ctx.client.ip, provider: entry.id };
  const refuse = (status: number, reason: string, message: string) => {
    rt.audit.emit('auth.login.failed', { ...audit, reason });
    rt.metrics.logins.inc({ provider: entry.id, outcome: 'failed' });
    sendHtml(res, status, messagePage('Sign-in failed', message, '<p><a href="/__authgate__/login">Back to sign in</a></p>'), { 'set-cookie': clear });
  };
  const token = readCookie(req.headers.cookie, `__Host-${txCookieName(rt)}`);
  const opened = token ? await unseal(token, 'oidc-tx', rt.sessionKeys) : undefined;
  if (!opened?.ok) return refuse(400, 'transaction-missing', 'Your sign-in attempt expired or was started in another browser. Please sign in again.');
  let result;
  try {
    result = await entry.oidc.completeLogin(url, opened.payload as unknown as OidcTransaction);
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? (isAuthgateError(error) ? error.code : 'error');
    rt.logger.warn({ provider: providerId, reason, detail: isAuthgateError(error) ? error.detail : String(error) }, 'OIDC callback refused');
    const status = isAuthgateError(error) ? error.status : 500;
    return refuse(status >= 500 ? 502 : status, reason, isAuthgateError(error) ? error.publicMessage : 'The sign-in could not be completed.');
  }
  const nowSeconds = Math.floor(rt.now() / 1000);
  const admitted = admit(result.profile, entry.permittedLoginGroups, rt.config.authorization, nowSeconds);
  if (!admitted.ok) return notPermitted(rt, res, { ...audit, subject: { username: result.profile.username, uniqueId: result.profile.uniqueId } }, result.profile.username, { 'set-cookie': clear });
  const sessionExtras = {
    ...(result.tokens.refreshToken ? { refreshToken: result.tokens.refreshToken } : {}),
    ...(entry.oidc.logoutAtProvider && result.tokens.idToken ? { idToken: result.tokens.idToken } : {}),
  };
  await signIn(rt, res, admitted, audit, safeReturnTo((opened.payload as { returnTo?: unknown }).returnTo), { clearCookies: [clear], sessionExtras });
}
