/** How every login ends, whichever way the user proved who they are (the login form or an OIDC callback). */
import type { ServerResponse } from 'node:http';
import type { Admission } from '../../auth/admit.ts';
import type { AuditFields } from '../../observability/index.ts';
import type { Session } from '../../session/index.ts';
import type { Runtime } from '../runtime.ts';
import { messagePage } from './pages.ts';
import { redirect, sendHtml } from '../respond.ts';

type Admitted = Extract<Admission, { ok: true }>;

/** Admitted: a new session (a new id: no fixation), the audit event, the metric, the redirect back. */
export async function signIn(
  rt: Runtime,
  res: ServerResponse,
  admitted: Admitted,
  audit: AuditFields & { provider: string },
  returnTo: string,
  options: { clearCookies: string[]; sessionExtras?: Pick<Session, 'refreshToken' | 'idToken'> },
): Promise<void> {
  const { session, setCookie } = await rt.sessions.create(admitted.identity, options.sessionExtras);
  const identity = admitted.identity;
  rt.audit.emit('auth.login.succeeded', {
    ...audit,
    subject: { username: identity.username, uniqueId: identity.uniqueId, ...(identity.email ? { email: identity.email } : {}) },
    detail: { role: identity.role, roleSource: admitted.roleSource, sid: session.sid.slice(0, 6) },
  });
  rt.metrics.logins.inc({ provider: audit.provider, outcome: 'succeeded' });
  redirect(res, returnTo, { 'set-cookie': [setCookie, ...options.clearCookies] });
}

/** The right credentials, but not in the permitted groups: a clear page, an audit event, no throttling. */
export function notPermitted(rt: Runtime, res: ServerResponse, audit: AuditFields & { provider: string }, username: string, headers: Record<string, string | string[]> = {}): void {
  rt.audit.emit('auth.login.failed', { ...audit, reason: 'not-permitted' });
  rt.metrics.logins.inc({ provider: audit.provider, outcome: 'not-permitted' });
  sendHtml(res, 403, messagePage('Not permitted', `You signed in as ${username}, but you are not permitted to use this application. Ask your administrator for access.`), headers);
}
