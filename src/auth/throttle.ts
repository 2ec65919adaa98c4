/**
 * Throttling of failed logins per username, per client network and per account: a window of
 * attempts, then a lockout; below the limit each failure adds a growing delay (backoff).
 *
 * An attempt is reserved in the store before the provider is asked (`begin`), atomically for
 * the username and the network together, so concurrent guesses cannot all pass a check made
 * before any of them is counted. A failure keeps the reservation; a success forgives the
 * username's failures and gives the network's reservation back; an attempt that did not test
 * the password as a guess (the provider threw, or the user may not log in) gives both back.
 *
 * While the budget is held only by attempts still in flight (no lockout), a new attempt waits for
 * one of them to settle (up to `queueWaitMs`, 2 s by default) instead of being refused at once:
 * concurrent right passwords (a user's tabs, many users behind one NAT address) still get in,
 * and wrong guesses still never exceed the limit, since each one waits for a reservation.
 */
import { parseAddress } from '../net/index.ts';
import type { SharedStore } from '../store/index.ts';

export interface ThrottleSettings {
  window: number;
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  lockout: number;
}

/** One reserved login attempt. Settle it once: the first of failed/succeeded/release counts, later calls do nothing. */
export interface Attempt {
  /**
   * Counts the attempt against the account the provider named as well (another spelling of
   * the same account shares its budget). Undefined when allowed, else the time the account's
   * lockout ends: then answer as throttled, whatever the provider said.
   */
  account(uniqueId: string): Promise<number | undefined>;
  /** The attempt failed: it stays counted and locks every key it filled; returns the delay (ms) to apply before answering. */
  failed(): Promise<number>;
  /** The password was right: forgives the username's and the account's failures, gives the network's reservation back. */
  succeeded(): Promise<void>;
  /** The provider failed (threw) or the password was right for a user who may not log in: gives the reservations back. */
  release(): Promise<void>;
}

export interface Throttle {
  /** Reserves an attempt for this username from this client, or says until when it is locked out. */
  begin(username: string, ip: string): Promise<{ ok: true; attempt: Attempt } | { ok: false; until: number }>;
  /** Undefined when a login may be tried, else the time the lockout ends (a look, reserves nothing). */
  blockedUntil(username: string, ip: string): Promise<number | undefined>;
}

const MAX_DELAY_MS = 2000;
const QUEUE_WAIT_MS = 2000;
/** Between two looks at the store while queued: attempts settled by another replica are only seen this way. */
const QUEUE_POLL_MS = 100;
const MAX_KEY_INPUT = 1024;
const MAX_KEY = 256;

/**
 * The throttling key of a typed username: every spelling a directory could match to the same
 * account gives the same key. NFKC (full-width `ｂob`, Kelvin sign, ligatures), full case
 * folding without a locale (`ß`, `ẞ` and `SS` alike, dotless and dotted I alike, final sigma),
 * combining marks, format characters (zero-width, soft hyphen) and controls removed, white
 * space collapsed. Coarser than any directory's matching on purpose: two accounts sharing a
 * budget costs nothing, one account with two budgets is the hole.
 */
export function usernameKey(typed: string): string {
  const folded = typed
    .slice(0, MAX_KEY_INPUT)
    .normalize('NFKC')
    // lower first so that ẞ -> ß; upper makes ß -> SS, ı -> I, ſ -> S; lower again for the key
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/gu, '')
    .replace(/ς/g, 'σ')
    .replace(/[\s\p{Z}]+/gu, ' ')
    .trim()
    .normalize('NFKC');
  return folded.slice(0, MAX_KEY);
}

/** The throttling key of a client address: IPv4 per address (IPv4-mapped IPv6 is IPv4), IPv6 per /64 (one host holds a whole /64). */
export function networkKey(ip: string): string {
  const address = parseAddress(ip);
  if (!address) return ip.slice(0, 64);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = address.toByteArray().slice(0, 8);
  const hextets = [0, 2, 4, 6].map((i) => (((parts[i] as number) << 8) | (parts[i + 1] as number)).toString(16));
  return `${hextets.join(':')}::/64`;
}

export function createThrottle(store: SharedStore, settings: ThrottleSettings, now: () => number = Date.now, options: { queueWaitMs?: number } = {}): Throttle {
  const queueWaitMs = options.queueWaitMs ?? QUEUE_WAIT_MS;
  // Attempts queued for a reservation, woken when an attempt of this process settles.
  const waiting = new Set<() => void>();
  const wakeQueued = () => {
    for (const wake of waiting) wake();
    waiting.clear();
  };
  const nextSettle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(done);
        resolve();
      }, QUEUE_POLL_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      waiting.add(done);
    });
  const userKey = (username: string) => `u:${usernameKey(username)}`;
  const ipKey = (ip: string) => `ip:${networkKey(ip)}`;
  const accountKey = (uniqueId: string) => `id:${uniqueId.slice(0, MAX_KEY)}`;
  const lockIfFull = async (key: string, count: number, limit: number) => {
    // When the lockout ends, one more attempt (as before reservations): a failure locks again at once.
    if (count >= limit) await store.lock(key, now() + settings.lockout, limit - 1);
  };

  const attempt = (user: { key: string; count: number }, ip: { key: string; count: number }): Attempt => {
    let settled = false;
    let account: { key: string; count: number } | undefined;
    const settle = () => {
      const first = !settled;
      settled = true;
      if (first) queueMicrotask(wakeQueued);
      return first;
    };
    return {
      async account(uniqueId) {
        if (settled || account) return undefined;
        const key = accountKey(uniqueId);
        const reserved = await store.reserve([{ key, limit: settings.maxFailuresPerUser }], settings.window);
        if (!reserved.ok) return reserved.until;
        account = { key, count: reserved.counts[0] as number };
        return undefined;
      },
      async failed() {
        if (!settle()) return 0;
        await Promise.all([
          lockIfFull(user.key, user.count, settings.maxFailuresPerUser),
          lockIfFull(ip.key, ip.count, settings.maxFailuresPerIp),
          account ? lockIfFull(account.key, account.count, settings.maxFailuresPerUser) : undefined,
        ]);
        return Math.min(MAX_DELAY_MS, 100 * 2 ** Math.min(Math.max(user.count, account?.count ?? 0), 5));
      },
      async succeeded() {
        if (!settle()) return;
        await Promise.all([store.resetFailures(user.key), store.release(ip.key), account ? store.resetFailures(account.key) : undefined]);
      },
      async release() {
        if (!settle()) return;
        await Promise.all([store.release(user.key), store.release(ip.key), account ? store.release(account.key) : undefined]);
      },
    };
  };

  const blockedUntil = async (username: string, ip: string): Promise<number | undefined> => {
    const [u, i] = await Promise.all([store.lockedUntil(userKey(username)), store.lockedUntil(ipKey(ip))]);
    const until = Math.max(u ?? 0, i ?? 0);
    return until > now() ? until : undefined;
  };

  return {
    async begin(username, ip) {
      const keys = [userKey(username), ipKey(ip)] as const;
      const entries = [
        { key: keys[0], limit: settings.maxFailuresPerUser },
        { key: keys[1], limit: settings.maxFailuresPerIp },
      ];
      const giveUpAt = performance.now() + queueWaitMs;
      for (;;) {
        const reserved = await store.reserve(entries, settings.window);
        if (reserved.ok) return { ok: true, attempt: attempt({ key: keys[0], count: reserved.counts[0] as number }, { key: keys[1], count: reserved.counts[1] as number }) };
        if (performance.now() >= giveUpAt) return reserved;
        // Locked out: answer now. Otherwise attempts in flight hold the budget: wait for one to settle.
        const locked = await blockedUntil(username, ip);
        if (locked !== undefined) return { ok: false, until: locked };
        await nextSettle();
      }
    },
    blockedUntil,
  };
}
