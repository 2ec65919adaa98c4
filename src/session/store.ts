/**
 * State that must be shared by replicas when there are several: revoked session ids and
 * failed-login counters. In memory by default; Redis implements the same interface.
 */
export interface SharedStore {
  revoke(sid: string, untilMs: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
  /** Adds one failure for `key` and returns the count within the window. */
  countFailure(key: string, windowMs: number): Promise<number>;
  failures(key: string): Promise<number>;
  resetFailures(key: string): Promise<void>;
  /** Marks `key` locked out until the given time. */
  lock(key: string, untilMs: number): Promise<void>;
  lockedUntil(key: string): Promise<number | undefined>;
  close(): Promise<void>;
}

const MAX_ENTRIES = 100_000;

export function memoryStore(now: () => number = Date.now): SharedStore {
  const revoked = new Map<string, number>();
  const failures = new Map<string, { count: number; resetAt: number }>();
  const locks = new Map<string, number>();
  const prune = () => {
    const t = now();
    for (const [sid, until] of revoked) if (until <= t) revoked.delete(sid);
    for (const [key, f] of failures) if (f.resetAt <= t) failures.delete(key);
    for (const [key, until] of locks) if (until <= t) locks.delete(key);
  };
  const timer = setInterval(prune, 60_000);
  timer.unref();
  return {
    async revoke(sid, untilMs) {
      if (revoked.size >= MAX_ENTRIES) prune();
      revoked.set(sid, untilMs);
    },
    async isRevoked(sid) {
      const until = revoked.get(sid);
      return until !== undefined && until > now();
    },
    async countFailure(key, windowMs) {
      const t = now();
      const current = failures.get(key);
      if (!current || current.resetAt <= t) {
        if (failures.size >= MAX_ENTRIES) prune();
        failures.set(key, { count: 1, resetAt: t + windowMs });
        return 1;
      }
      current.count++;
      return current.count;
    },
    async failures(key) {
      const current = failures.get(key);
      return current && current.resetAt > now() ? current.count : 0;
    },
    async resetFailures(key) {
      failures.delete(key);
    },
    async lock(key, untilMs) {
      locks.set(key, untilMs);
    },
    async lockedUntil(key) {
      const until = locks.get(key);
      return until !== undefined && until > now() ? until : undefined;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
