/**
 * Reads, issues, renews and revokes sessions. A cookie is unsealed once and cached (LRU keyed
 * by a hash of the cookie); the validity rules run on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../core/index.ts';
import type { SessionKeys } from './keys.ts';
import { seal, unseal } from './seal.ts';
import { asSession, sessionDeadline, sessionState, touchInterval, type Session, type SessionLimits } from './session.ts';
import { LruCache } from '../core/index.ts';
import { clearHostCookie, hostCookie, readCookie } from './cookies.ts';
import type { SharedStore } from '../store/index.ts';

/** Browsers accept 4096 bytes per cookie including its name and attributes. */
const MAX_COOKIE_VALUE = 3800;

export type SessionReadResult =
  | { session: Session; setCookie?: string }
  | { session?: undefined; invalid?: 'malformed' | 'unknown-key' | 'wrong-purpose' | 'tampered' | 'expired' | 'idle-expired' | 'not-yet-valid' | 'revoked' };

export interface SessionManagerOptions {
  keys: SessionKeys;
  limits: SessionLimits;
  store: SharedStore;
  cookieName: string;
  cacheSize: number;
  now?: () => number;
  /** Activity the cookie cannot show (an open WebSocket), in ms since the epoch. */
  activeAt?: (sid: string) => number | undefined;
  /** Groups the policy refers to: kept first when the cookie must shrink. */
  importantGroups?: (group: string) => boolean;
}

/**
 * A session token's key in the session cache: its sha256, so a cache lookup never compares one
 * client's token with another's.
 */
function sessionCacheKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Remembers the cache key of tokens a caller has seen: `keyOf` returns `derive(token)` or a
 * remembered result of it for the same token. It must only ever compare a token with one the same
 * client sent before (the pipeline keeps one per connection).
 */
export interface TokenKeyMemo {
  keyOf(token: string, derive: (token: string) => string): string;
}

export class SessionManager {
  readonly cookieName: string;
  /** The full cookie name as the browser sends it. */
  readonly wireName: string;
  readonly #o: SessionManagerOptions;
  readonly #cache: LruCache<string, Session>;
  readonly #now: () => number;
  /** The renewal issued for an old cookie, by the old cookie's cache key. */
  readonly #renewals: LruCache<string, { session: Session; setCookie: string }>;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.cookieName = options.cookieName;
    this.wireName = `__Host-${options.cookieName}`;
    this.#cache = new LruCache(options.cacheSize);
    this.#renewals = new LruCache(Math.max(1, Math.floor(options.cacheSize / 4)));
    this.#now = options.now ?? Date.now;
  }

  get cacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.#cache.hits, misses: this.#cache.misses, size: this.#cache.size };
  }


  /**
   * The session a Cookie header carries. `keys` may remember token -> cache key for the caller
   * (the pipeline passes its per-connection memo, so keep-alive requests that repeat a token skip
   * the hash); without it the token is hashed. A `background` request (one the client marks as not
   * the user's doing) is judged like any other but never renews the session: it does not count as
   * activity for the idle timeout.
   */
  async read(cookieHeader: string | string[] | undefined, keys?: TokenKeyMemo, options: { background?: boolean } = {}): Promise<SessionReadResult> {
    const token = readCookie(cookieHeader, this.wireName);
    if (!token) return {};
    const cacheKey = keys ? keys.keyOf(token, sessionCacheKey) : sessionCacheKey(token);
    let session = this.#cache.get(cacheKey);
    if (!session) {
      const opened = await unseal(token, 'session', this.#o.keys);
      if (!opened.ok) return { invalid: opened.reason };
      session = asSession(opened.payload);
      if (!session) return { invalid: 'malformed' };
      this.#cache.set(cacheKey, session);
    }
    const now = this.#now();
    const activeAt = this.#o.activeAt?.(session.sid);
    if (activeAt !== undefined && activeAt > session.lastSeen) session = { ...session, lastSeen: activeAt };
    const state = sessionState(session, now, this.#o.limits);
    if (state !== 'valid') {
      this.#cache.delete(cacheKey);
      return { invalid: state };
    }
    if (await this.#o.store.isRevoked(session.sid)) {
      this.#cache.delete(cacheKey);
      return { invalid: 'revoked' };
    }
    if (!options.background && now - session.lastSeen >= touchInterval(this.#o.limits)) {
      // Requests already in flight (or API clients) keep sending the old cookie for a while:
      // re-use one renewal per old cookie instead of sealing a new one on every request.
      const previous = this.#renewals.get(cacheKey);
      if (previous && now - previous.session.lastSeen < touchInterval(this.#o.limits)) return previous;
      const renewed = { ...session, lastSeen: now };
      const result = { session: renewed, setCookie: await this.cookieFor(renewed) };
      this.#renewals.set(cacheKey, result);
      return result;
    }
    return { session };
  }

  /** A brand-new session (new id: no fixation) for a fresh login. */
  async create(identity: Identity, extras: { refreshToken?: string; idToken?: string } = {}): Promise<{ session: Session; setCookie: string }> {
    const now = this.#now();
    const session: Session = { sid: randomBytes(18).toString('base64url'), identity, createdAt: now, lastSeen: now, ...extras };
    return { session, setCookie: await this.cookieFor(session) };
  }

  /** The Set-Cookie for a session; shrinks the payload when it would not fit a browser cookie. */
  async cookieFor(session: Session): Promise<string> {
    let current = session;
    let token = await seal(current as unknown as Record<string, unknown>, 'session', this.#o.keys);
    if (token.length > MAX_COOKIE_VALUE && current.idToken) {
      current = { ...current };
      delete current.idToken;
      token = await seal(current as unknown as Record<string, unknown>, 'session', this.#o.keys);
    }
    if (token.length > MAX_COOKIE_VALUE) {
      const important = this.#o.importantGroups ?? (() => false);
      const groups = [...current.identity.groups].sort((a, b) => Number(important(b)) - Number(important(a)));
      while (token.length > MAX_COOKIE_VALUE && groups.length > 0) {
        groups.splice(Math.max(0, Math.floor(groups.length * 0.8)));
        current = { ...current, identity: { ...current.identity, groups: [...groups] } };
        token = await seal(current as unknown as Record<string, unknown>, 'session', this.#o.keys);
      }
    }
    const remaining = (session.createdAt + this.#o.limits.maxLifetime - this.#now()) / 1000;
    return hostCookie(this.cookieName, token, { maxAgeSeconds: remaining });
  }

  async revoke(session: Session): Promise<void> {
    await this.#o.store.revoke(session.sid, sessionDeadline(session, this.#o.limits));
  }

  clearCookie(): string {
    return clearHostCookie(this.cookieName);
  }
}
