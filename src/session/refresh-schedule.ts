/**
 * When a session's groups and attributes must be read again, for every provider alike. Pure.
 *
 * - `fresh`: younger than the provider's membershipUpdateInterval; nothing to do.
 * - `due`: older than the interval; read the provider again.
 * - `grace`: a read failed a moment ago (or just now) and the session is overdue by less than
 *   refreshGracePeriod; keep serving it without asking the provider again yet.
 * - `expired`: a read failed and the session is overdue by the grace period or more; end it.
 */
export type RefreshState = 'fresh' | 'due' | 'grace' | 'expired';

export interface RefreshTiming {
  /** membershipUpdateInterval, in ms. */
  intervalMs: number;
  /** refreshGracePeriod, in ms: how long a provider outage is tolerated past the interval. */
  graceMs: number;
}

/** After a failed read, the provider is not asked again for this long (the session waits in `grace`). */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * @param ageMs time since the identity was last read from its provider
 * @param sinceFailureMs time since the last failed read of this session, if any
 */
export function refreshState(ageMs: number, timing: RefreshTiming, sinceFailureMs?: number): RefreshState {
  if (ageMs < timing.intervalMs) return 'fresh';
  if (sinceFailureMs === undefined || sinceFailureMs >= RETRY_AFTER_FAILURE_MS) return 'due';
  return ageMs - timing.intervalMs < timing.graceMs ? 'grace' : 'expired';
}
