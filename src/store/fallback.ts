/**
 * A shared store that never takes authgate down with it: every call goes to the primary
 * (Redis) and, when that fails, to this replica's own memory. Logins and sessions keep
 * working per replica during an outage; one warning per outage, one notice on recovery, and
 * `onDegraded` for a metric. While degraded the primary is only probed once per
 * `probeInterval`, so a hung server does not add a timeout to every request.
 *
 * Revocations and locks are always written locally too, so this replica enforces them
 * whatever happens; revocations made during an outage are replayed to the primary when it
 * returns, so the other replicas learn about them.
 */
import type { SharedStore } from './store.ts';

export interface FallbackStoreOptions {
  primary: SharedStore;
  local: SharedStore;
  now?: () => number;
  probeInterval?: number;
  onDegraded?: (degraded: boolean) => void;
  warn?: (message: string, error: unknown) => void;
  info?: (message: string) => void;
}

export interface FallbackStore extends SharedStore {
  readonly degraded: boolean;
}

const MAX_PENDING = 10_000;

export function fallbackStore(options: FallbackStoreOptions): FallbackStore {
  const { primary, local } = options;
  const now = options.now ?? Date.now;
  const probeInterval = options.probeInterval ?? 1000;
  let degraded = false;
  let nextProbe = 0;
  const pending = new Map<string, number>();

  const fail = (error: unknown) => {
    nextProbe = now() + probeInterval;
    if (degraded) return;
    degraded = true;
    options.warn?.('shared store unavailable: revocations, failed-login counters and lockouts are kept per replica until it returns', error);
    options.onDegraded?.(true);
  };
  const recover = () => {
    if (!degraded) return;
    degraded = false;
    options.info?.('shared store available again');
    options.onDegraded?.(false);
    const replay = [...pending];
    pending.clear();
    for (const [sid, until] of replay) {
      primary.revoke(sid, until).catch((error: unknown) => {
        pending.set(sid, until);
        fail(error);
      });
    }
  };
  /** The primary's answer, or `undefined` when it failed or is not being probed yet. */
  const tryPrimary = async <T>(call: () => Promise<T>): Promise<{ value: T } | undefined> => {
    if (degraded && now() < nextProbe) return undefined;
    try {
      const value = await call();
      recover();
      return { value };
    } catch (error) {
      fail(error);
      return undefined;
    }
  };

  return {
    get degraded() {
      return degraded;
    },
    async revoke(sid, untilMs) {
      await local.revoke(sid, untilMs);
      const done = await tryPrimary(() => primary.revoke(sid, untilMs));
      if (!done && pending.size < MAX_PENDING) pending.set(sid, untilMs);
    },
    async isRevoked(sid) {
      if (await local.isRevoked(sid)) return true;
      return (await tryPrimary(() => primary.isRevoked(sid)))?.value ?? false;
    },
    async countFailure(key, windowMs) {
      const shared = await tryPrimary(() => primary.countFailure(key, windowMs));
      return shared ? shared.value : local.countFailure(key, windowMs);
    },
    async failures(key) {
      const shared = await tryPrimary(() => primary.failures(key));
      return shared ? shared.value : local.failures(key);
    },
    async resetFailures(key) {
      await local.resetFailures(key);
      await tryPrimary(() => primary.resetFailures(key));
    },
    async lock(key, untilMs, keep) {
      await local.lock(key, untilMs, keep);
      await tryPrimary(() => primary.lock(key, untilMs, keep));
    },
    async lockedUntil(key) {
      const mine = await local.lockedUntil(key);
      const shared = (await tryPrimary(() => primary.lockedUntil(key)))?.value;
      const until = Math.max(mine ?? 0, shared ?? 0);
      return until > 0 ? until : undefined;
    },
    async reserve(entries, windowMs) {
      // Locks made during an outage live only here: they refuse before Redis is asked.
      const locked = await Promise.all(entries.map((e) => local.lockedUntil(e.key)));
      const until = Math.max(0, ...locked.map((u) => u ?? 0));
      if (until > 0) return { ok: false, until };
      const shared = await tryPrimary(() => primary.reserve(entries, windowMs));
      return shared ? shared.value : local.reserve(entries, windowMs);
    },
    async release(key) {
      const shared = await tryPrimary(() => primary.release(key));
      if (!shared) await local.release(key);
    },
    async close() {
      await Promise.allSettled([primary.close(), local.close()]);
    },
  };
}
