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
  /**
   * Marks `key` locked out until the given time. With `keep`, its failure count drops to at most
   * `keep` in the same step, so that when the lock ends attempts resume from there (the throttle
   * keeps `limit - 1`: one attempt per ended lockout, as long as the window lasts).
   */
  lock(key: string, untilMs: number, keep?: number): Promise<void>;
  lockedUntil(key: string): Promise<number | undefined>;
  /**
   * Reserves one attempt on every key, atomically and all or none: refused when a key is locked
   * or already holds `limit` attempts (failed or still in flight) within its window. The counts
   * are those of `countFailure`; the first attempt starts a key's window. Refused: the time the
   * blocking lock or window ends.
   */
  reserve(entries: readonly Reservation[], windowMs: number): Promise<ReserveResult>;
  /** Gives one reserved attempt back (an attempt that turned out not to be a failure); never below zero. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

interface Reservation {
  key: string;
  limit: number;
}

/** `counts[i]` is the attempt's number on `entries[i]` (1 for the first in the window). */
type ReserveResult = { ok: true; counts: number[] } | { ok: false; until: number };

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
    async lock(key, untilMs, keep) {
      locks.set(key, untilMs);
      const current = failures.get(key);
      if (keep !== undefined && current && current.count > keep) current.count = keep;
    },
    async lockedUntil(key) {
      const until = locks.get(key);
      return until !== undefined && until > now() ? until : undefined;
    },
    async reserve(entries, windowMs) {
      // One synchronous pass: nothing can interleave between the checks and the increments.
      const t = now();
      let until = 0;
      for (const { key, limit } of entries) {
        const locked = locks.get(key);
        if (locked !== undefined && locked > t) until = Math.max(until, locked);
        const current = failures.get(key);
        if (current && current.resetAt > t && current.count >= limit) until = Math.max(until, current.resetAt);
      }
      if (until > 0) return { ok: false, until };
      if (failures.size >= MAX_ENTRIES) prune();
      const counts = entries.map(({ key }) => {
        const current = failures.get(key);
        if (!current || current.resetAt <= t) {
          failures.set(key, { count: 1, resetAt: t + windowMs });
          return 1;
        }
        return ++current.count;
      });
      return { ok: true, counts };
    },
    async release(key) {
      const current = failures.get(key);
      if (!current) return;
      if (current.count <= 1) failures.delete(key);
      else current.count--;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
