/**
 * Membership refresh: a session older than the provider's membershipUpdateInterval re-reads
 * the user's groups and attributes (without the password). One refresh per session at a time;
 * a directory outage is tolerated for a grace period, then the session ends (fail closed).
 */
import { admit } from '../auth/admit.ts';
import type { RefreshOutcome } from '../core/index.ts';
import type { ProviderEntry } from '../auth/registry.ts';
import { isAuthgateError } from '../core/index.ts';
import { refreshState, type Session } from '../session/index.ts';
import { revokeSession } from './revoke.ts';
import type { Runtime } from './runtime.ts';

export type RefreshResult = { session: Session; setCookie?: string } | { ended: string };

export async function refreshIfDue(rt: Runtime, session: Session): Promise<RefreshResult> {
  const entry = rt.providersById.get(session.identity.provider);
  if (!entry) return { ended: 'provider-removed' };
  const ageMs = rt.now() - session.identity.refreshedAt * 1000;
  const refreshable = entry.password?.refresh !== undefined || (entry.oidc !== undefined && session.refreshToken !== undefined);
  if (!refreshable) return { session };
  const failedAt = rt.refreshFailedAt.get(session.sid);
  const state = refreshState(ageMs, timing(entry), failedAt === undefined ? undefined : rt.now() - failedAt);
  if (state === 'fresh' || state === 'grace') return { session };
  if (state === 'expired') return { ended: 'directory-unavailable' };
  let pending = rt.refreshing.get(session.sid) as Promise<RefreshResult> | undefined;
  if (!pending) {
    pending = run(rt, session, entry, ageMs).finally(() => rt.refreshing.delete(session.sid));
    rt.refreshing.set(session.sid, pending);
  }
  return pending;
}

/** Re-reads the user from the provider: the directory for password providers, the refresh token for OIDC. */
async function reread(entry: ProviderEntry, session: Session): Promise<{ outcome: RefreshOutcome; refreshToken?: string }> {
  if (entry.oidc && session.refreshToken) {
    try {
      const result = await entry.oidc.refresh(session.refreshToken, session.identity.uniqueId);
      return { outcome: { ok: true, profile: result.profile }, ...(result.tokens.refreshToken ? { refreshToken: result.tokens.refreshToken } : {}) };
    } catch (error) {
      if (isAuthgateError(error, 'ERR_OIDC_REFRESH_REFUSED')) return { outcome: { ok: false, reason: 'user-gone', detail: error.detail ?? '' } };
      throw error;
    }
  }
  return { outcome: await entry.password!.refresh!(session.identity) };
}

function timing(entry: ProviderEntry): { intervalMs: number; graceMs: number } {
  return { intervalMs: entry.membershipUpdateInterval, graceMs: entry.refreshGracePeriod };
}

async function run(rt: Runtime, session: Session, entry: ProviderEntry, ageMs: number): Promise<RefreshResult> {
  const permitted = entry.permittedLoginGroups;
  const subject = { username: session.identity.username, uniqueId: session.identity.uniqueId };
  try {
    const { outcome, refreshToken } = await reread(entry, session);
    rt.refreshFailedAt.delete(session.sid);
    if (!outcome.ok) {
      rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: outcome.reason });
      return await end(rt, session, outcome.reason);
    }
    const nowSeconds = Math.floor(rt.now() / 1000);
    const admitted = admit(outcome.profile, permitted, rt.config.authorization, nowSeconds, session.identity.authTime);
    if (!admitted.ok) {
      rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'not-permitted' });
      return await end(rt, session, 'not-permitted');
    }
    const next: Session = { ...session, identity: admitted.identity, ...(refreshToken ? { refreshToken } : {}) };
    rt.audit.emit('session.refreshed', { provider: session.identity.provider, subject, detail: { role: admitted.identity.role, groups: admitted.identity.groups.length } });
    rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'ok' });
    return { session: next, setCookie: await rt.sessions.cookieFor(next) };
  } catch (error) {
    rt.refreshFailedAt.set(session.sid, rt.now());
    rt.metrics.refreshes.inc({ provider: session.identity.provider, outcome: 'error' });
    rt.logger.warn({ err: error, sid: session.sid.slice(0, 6) }, 'membership refresh failed; the session continues within the grace period');
    if (refreshState(ageMs, timing(entry), 0) === 'grace') return { session };
    return end(rt, session, 'directory-unavailable');
  }
}

/** A refresh that ends the session: revoked everywhere, its WebSockets closed, audited with the reason. */
async function end(rt: Runtime, session: Session, reason: string): Promise<{ ended: string }> {
  await revokeSession(rt, session);
  const subject = { username: session.identity.username, uniqueId: session.identity.uniqueId };
  rt.audit.emit('session.ended', { provider: session.identity.provider, subject, reason });
  return { ended: reason };
}
