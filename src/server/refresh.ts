/**
 * Membership refresh: a session older than the provider's membershipUpdateInterval re-reads
 * the user's groups and attributes (without the password). One refresh per session at a time;
 * a directory outage is tolerated for a grace period, then the session ends (fail closed).
 */
import { admit } from '../auth/admit.ts';
import type { Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';

export type RefreshResult = { session: Session; setCookie?: string } | { ended: string };

const RETRY_AFTER_FAILURE_MS = 30_000;
const DEFAULT_GRACE_MS = 3_600_000;

export async function refreshIfDue(rt: Runtime, session: Session): Promise<RefreshResult> {
  const entry = rt.providersById.get(session.identity.provider);
  if (!entry) return { ended: 'provider-removed' };
  const provider = entry.password;
  const nowMs = rt.now();
  const ageMs = nowMs - session.identity.refreshedAt * 1000;
  if (!provider?.refresh || ageMs < entry.membershipUpdateInterval) return { session };
  const failedAt = rt.refreshFailedAt.get(session.sid);
  const grace = (entry.config as { refreshGracePeriod?: number }).refreshGracePeriod ?? DEFAULT_GRACE_MS;
  if (failedAt !== undefined && nowMs - failedAt < RETRY_AFTER_FAILURE_MS) {
    return ageMs < entry.membershipUpdateInterval + grace ? { session } : { ended: 'directory-unavailable' };
  }
  let pending = rt.refreshing.get(session.sid) as Promise<RefreshResult> | undefined;
  if (!pending) {
    pending = run(rt, session, entry.permittedLoginGroups, grace, ageMs - entry.membershipUpdateInterval).finally(() => rt.refreshing.delete(session.sid));
    rt.refreshing.set(session.sid, pending);
  }
  return pending;
}

async function run(rt: Runtime, session: Session, permitted: readonly string[], graceMs: number, overdueMs: number): Promise<RefreshResult> {
  const provider = rt.providersById.get(session.identity.provider)?.password;
  const subject = { username: session.identity.username, uniqueId: session.identity.uniqueId };
  try {
    const outcome = await provider!.refresh!(session.identity);
    rt.refreshFailedAt.delete(session.sid);
    if (!outcome.ok) {
      await rt.sessions.revoke(session);
      rt.audit.emit('session.ended', { provider: session.identity.provider, subject, reason: outcome.reason });
      rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: outcome.reason });
      return { ended: outcome.reason };
    }
    const nowSeconds = Math.floor(rt.now() / 1000);
    const admitted = admit(outcome.profile, permitted, rt.config.authorization, nowSeconds, session.identity.authTime);
    if (!admitted.ok) {
      await rt.sessions.revoke(session);
      rt.audit.emit('session.ended', { provider: session.identity.provider, subject, reason: 'not-permitted' });
      rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'not-permitted' });
      return { ended: 'not-permitted' };
    }
    const next: Session = { ...session, identity: admitted.identity };
    rt.audit.emit('session.refreshed', { provider: session.identity.provider, subject, detail: { role: admitted.identity.role, groups: admitted.identity.groups.length } });
    rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'ok' });
    return { session: next, setCookie: await rt.sessions.cookieFor(next) };
  } catch (error) {
    rt.refreshFailedAt.set(session.sid, rt.now());
    rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'error' });
    rt.logger.warn({ err: error, sid: session.sid.slice(0, 6) }, 'membership refresh failed; the session continues within the grace period');
    if (overdueMs < graceMs) return { session };
    await rt.sessions.revoke(session);
    rt.audit.emit('session.ended', { provider: session.identity.provider, subject, reason: 'directory-unavailable' });
    return { ended: 'directory-unavailable' };
  }
}
