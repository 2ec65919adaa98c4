/** Pure session rules: what a session holds and whether it is still valid. */
import { ROLES, type Identity } from '../core/index.ts';

export interface Session {
  /** Random id; revocation is by id. */
  sid: string;
  identity: Identity;
  /** Milliseconds since the epoch. */
  createdAt: number;
  lastSeen: number;
  /** OIDC refresh token, when the provider issued one. */
  refreshToken?: string;
  /** OIDC ID token, for logout at the provider (dropped when the cookie would grow too large). */
  idToken?: string;
}

export interface SessionLimits {
  idleTimeout: number;
  maxLifetime: number;
}

export type SessionState = 'valid' | 'idle-expired' | 'expired' | 'not-yet-valid';

export function sessionState(session: Session, now: number, limits: SessionLimits): SessionState {
  if (session.createdAt > now + 60_000) return 'not-yet-valid';
  if (now - session.createdAt >= limits.maxLifetime) return 'expired';
  if (now - session.lastSeen >= limits.idleTimeout) return 'idle-expired';
  return 'valid';
}

/** The cookie is re-issued when lastSeen is older than this, so idle expiry slides without a write per request. */
export function touchInterval(limits: SessionLimits): number {
  return Math.min(5 * 60_000, Math.max(1000, Math.floor(limits.idleTimeout / 10)));
}

/** When the session must be dropped anyway (for revocation bookkeeping). */
export function sessionDeadline(session: Session, limits: SessionLimits): number {
  return session.createdAt + limits.maxLifetime;
}

/** Structural check of an unsealed payload; anything else is treated as no session. */
export function asSession(payload: Record<string, unknown>): Session | undefined {
  const identity = payload.identity as Record<string, unknown> | undefined;
  if (
    typeof payload.sid !== 'string' ||
    typeof payload.createdAt !== 'number' ||
    typeof payload.lastSeen !== 'number' ||
    typeof identity !== 'object' ||
    identity === null ||
    typeof identity.provider !== 'string' ||
    typeof identity.uniqueId !== 'string' ||
    typeof identity.username !== 'string' ||
    typeof identity.role !== 'string' ||
    !Array.isArray(identity.groups)
  ) {
    return undefined;
  }
  // Every value that becomes a header must be a string: an object here used to end the request with a 500.
  if (!(ROLES as readonly string[]).includes(identity.role) || !identity.groups.every((g) => typeof g === 'string')) return undefined;
  for (const key of ['email', 'firstName', 'lastName'] as const) if (identity[key] !== undefined && typeof identity[key] !== 'string') return undefined;
  for (const key of ['refreshToken', 'idToken'] as const) if (payload[key] !== undefined && typeof payload[key] !== 'string') return undefined;
  return payload as unknown as Session;
}
