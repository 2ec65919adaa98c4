/** Login and logout: CSRF-protected forms, throttling, provider calls, a fresh session per login. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { admit } from '../../auth/admit.ts';
import { isAuthgateError } from '../../core/index.ts';
import { typedSubject } from '../../observability/index.ts';
import { readCookie, hostCookie, clearHostCookie, type Session } from '../../session/index.ts';
import type { Runtime } from '../runtime.ts';
import type { RequestContext } from '../context.ts';
import { notPermitted, signIn } from './sign-in.ts';
import { checkCsrf, csrfToken, newBrowserNonce } from './csrf.ts';
import { safeReturnTo } from './return-to.ts';
import { revokeSession } from '../revoke.ts';
import { loginPage, logoutPage } from './pages.ts';
import { readForm } from './body.ts';
import { contentSecurityPolicy, redirect, sendError, sendHtml } from '../respond.ts';

const MAX_USERNAME = 256;

function csrfCookieName(rt: Runtime): string {
  return `${rt.config.session.cookieName}-csrf`;
}

async function renderLogin(rt: Runtime, res: ServerResponse, status: number, nonce: string, returnTo: string, extra: { error?: string; username?: string; setNonce?: boolean } = {}): Promise<void> {
  const page = rt.config.auth.loginPage;
  const html = loginPage({
    title: page.title,
    logoUrl: page.logoUrl,
    notice: page.notice,
    error: extra.error,
    username: extra.username,
    returnTo,
    csrfToken: csrfToken(rt.sessionKeys.sealing.raw, nonce, 'login'),
    passwordProviders: rt.providers.filter((p) => p.password).map((p) => ({ id: p.id, name: p.config.name })),
    redirectProviders: await Promise.all(
      rt.providers
        .filter((p) => p.oidc)
        .map(async (p) => ({ id: p.id, name: p.config.name, available: (await p.oidc!.health().catch(() => ({ ok: false }))).ok })),
    ),
  });
  sendHtml(res, status, html, extra.setNonce ? { 'set-cookie': hostCookie(csrfCookieName(rt), nonce, { maxAgeSeconds: 3600 }) } : {});
}

export async function handleLoginGet(rt: Runtime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const existing = readCookie(req.headers.cookie, `__Host-${csrfCookieName(rt)}`);
  const nonce = existing && /^[A-Za-z0-9_-]{20,40}$/.test(existing) ? existing : newBrowserNonce();
  await renderLogin(rt, res, 200, nonce, safeReturnTo(url.searchParams.get('rd')), { setNonce: nonce !== existing });
}

function sameOrigin(rt: Runtime, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === rt.publicUrl.origin;
}

export async function handleLoginPost(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const form = await readForm(req, res, rt.config.listen.formBodyTimeout);
  const returnTo = safeReturnTo(form.get('rd'));
  const nonce = readCookie(req.headers.cookie, `__Host-${csrfCookieName(rt)}`);
  if (!sameOrigin(rt, req) || !checkCsrf(rt.sessionKeys.sealing.raw, nonce, 'login', form.get('csrf'))) {
    rt.audit.emit('auth.login.failed', { requestId: ctx.requestId, clientIp: ctx.client.ip, reason: 'csrf' });
    const fresh = newBrowserNonce();
    return renderLogin(rt, res, 403, fresh, returnTo, { error: 'Your login form expired. Please try again.', setNonce: true });
  }
  const providerId = form.get('provider') ?? rt.providers.find((p) => p.password)?.id ?? '';
  const entry = rt.providersById.get(providerId);
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const fail = (status: number, message: string): Promise<void> => renderLogin(rt, res, status, nonce as string, returnTo, { error: message, username: username.slice(0, MAX_USERNAME) });
  if (!entry?.password) return fail(400, 'Choose a sign-in method.');
  // What was typed is not a verified name (sometimes a password in the wrong field): capped and flagged.
  const audit = { requestId: ctx.requestId, clientIp: ctx.client.ip, provider: entry.id, subject: typedSubject(username) };
  const throttled = (until: number): Promise<void> => {
    rt.audit.emit('auth.login.throttled', audit);
    rt.metrics.logins.inc({ provider: entry.id, outcome: 'throttled' });
    return fail(429, `Too many failed sign-in attempts. Try again in ${waitText(until - rt.now())}.`);
  };

  // Reserved before the provider is asked: concurrent guesses cannot all pass a check made before any is counted.
  const begun = await rt.throttle.begin(username, ctx.client.ip);
  if (!begun.ok) return throttled(begun.until);
  const attempt = begun.attempt;
  const failed = async (reason: string): Promise<void> => {
    await sleep(await attempt.failed());
    rt.audit.emit('auth.login.failed', { ...audit, reason });
    rt.metrics.logins.inc({ provider: entry.id, outcome: 'failed' });
  };
  if (username === '' || password.trim() === '' || username.length > MAX_USERNAME || /[\x00-\x1f\x7f]/.test(username)) {
    await failed(username === '' || password.trim() === '' ? 'empty-credentials' : 'username-invalid');
    return fail(401, 'Invalid username or password.');
  }

  let outcome;
  try {
    outcome = await entry.password.authenticate(username, password, { clientIp: ctx.client.ip, requestId: ctx.requestId });
  } catch (error) {
    await attempt.release();
    rt.logger.error({ requestId: ctx.requestId, provider: entry.id, err: error }, 'login provider failed');
    rt.audit.emit('auth.login.failed', { ...audit, reason: isAuthgateError(error) ? error.code : 'provider-error' });
    rt.metrics.logins.inc({ provider: entry.id, outcome: 'error' });
    return fail(503, `${entry.config.name} is unavailable at the moment. Please try again shortly.`);
  }
  // Another spelling of a known account shares the account's budget; past it, the answer is the same whatever the password.
  const uniqueId = outcome.ok ? outcome.profile.uniqueId : outcome.uniqueId;
  const accountLocked = uniqueId === undefined ? undefined : await attempt.account(`${entry.id}:${uniqueId}`);
  if (accountLocked !== undefined) {
    await attempt.failed();
    return throttled(accountLocked);
  }
  if (!outcome.ok) {
    // provider-unavailable counts too: with several directories it can hide a wrong password checked by another.
    await failed(outcome.reason);
    if (outcome.reason === 'username-invalid' && outcome.detail) return fail(401, outcome.detail);
    if (outcome.reason === 'provider-unavailable') return fail(503, `${entry.config.name} is unavailable at the moment. Please try again shortly.`);
    return fail(401, 'Invalid username or password.');
  }
  const nowSeconds = Math.floor(rt.now() / 1000);
  const admitted = admit(outcome.profile, entry.permittedLoginGroups, rt.config.authorization, nowSeconds);
  if (!admitted.ok) {
    await attempt.release();
    return notPermitted(rt, res, { ...audit, subject: { username: outcome.profile.username, uniqueId: outcome.profile.uniqueId } }, outcome.profile.username);
  }
  await attempt.succeeded();
  await signIn(rt, res, admitted, audit, returnTo, { clearCookies: [clearHostCookie(csrfCookieName(rt))] });
}

function waitText(ms: number): string {
  if (ms < 60_000) {
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.ceil(ms / 60_000);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * GET /__authgate__/logout: a confirmation page, except for a top-level navigation that a page of
 * this origin started (`Sec-Fetch-Site: same-origin`, `Sec-Fetch-Mode: navigate`, set by the
 * browser and never by a page of another site): that is the upstream's own Sign out sending the
 * browser here (Workbench's `auth-proxy-sign-out-url`, Connect's `LogoutURL`), and it ends the
 * session at once. A page of another site still gets the confirmation page (no logout CSRF);
 * a page of this origin could submit the form anyway.
 */
export async function handleLogoutGet(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const read = await rt.sessions.read(req.headers.cookie);
  if (!read.session) return redirect(res, '/__authgate__/login');
  if (req.method === 'GET' && req.headers['sec-fetch-site'] === 'same-origin' && req.headers['sec-fetch-mode'] === 'navigate') {
    return endSession(rt, res, ctx, read.session, 'upstream-sign-out');
  }
  // Signing out of an OIDC session with logoutAtProvider redirects the form's POST to the issuer.
  const atProvider = rt.providersById.get(read.session.identity.provider)?.oidc?.endSessionUrl(read.session.idToken, new URL('/__authgate__/login', rt.publicUrl).href);
  const csp: Record<string, string> = atProvider ? { 'content-security-policy': contentSecurityPolicy([new URL(atProvider).origin]) } : {};
  sendHtml(res, 200, logoutPage(csrfToken(rt.sessionKeys.sealing.raw, read.session.sid, 'logout'), read.session.identity.username), csp);
}

export async function handleLogoutPost(rt: Runtime, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const form = await readForm(req, res, rt.config.listen.formBodyTimeout);
  const read = await rt.sessions.read(req.headers.cookie);
  if (!read.session) return redirect(res, '/__authgate__/login', { 'set-cookie': rt.sessions.clearCookie() });
  if (!sameOrigin(rt, req) || !checkCsrf(rt.sessionKeys.sealing.raw, read.session.sid, 'logout', form.get('csrf'))) {
    return sendError(req, res, 403, 'csrf', 'The sign-out form expired; reload the page and try again.');
  }
  await endSession(rt, res, ctx, read.session, 'form');
}

/** Revokes the session, audits the logout, clears the cookie and redirects (to the provider's end-session URL when it has one). */
async function endSession(rt: Runtime, res: ServerResponse, ctx: RequestContext, session: Session, via: 'form' | 'upstream-sign-out'): Promise<void> {
  await revokeSession(rt, session);
  rt.audit.emit('auth.logout', { requestId: ctx.requestId, clientIp: ctx.client.ip, provider: session.identity.provider, subject: { username: session.identity.username, uniqueId: session.identity.uniqueId }, detail: { via } });
  const oidc = rt.providersById.get(session.identity.provider)?.oidc;
  const atProvider = oidc?.endSessionUrl(session.idToken, new URL('/__authgate__/login', rt.publicUrl).href);
  redirect(res, atProvider ?? '/__authgate__/login', { 'set-cookie': rt.sessions.clearCookie() });
}
