/**
 * The SharedStore in Redis (ioredis), so every replica sees the same revocations, failure
 * counters and lockouts. Every key expires by itself: a revocation when the session could no
 * longer be valid anyway, a counter at the end of its window, a lock when it ends.
 * Commands fail fast while disconnected (no offline queue) so the caller can fall back.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { SharedStore } from './store.ts';

export interface RedisStoreOptions {
  url: string;
  password?: string;
  keyPrefix: string;
  connectTimeout: number;
  commandTimeout: number;
  tls?: { ca?: string; cert?: string; key?: string; servername?: string };
  now?: () => number;
  /** Connection events, for logs (`error` carries the message, never the password). */
  onEvent?: (event: 'ready' | 'error' | 'end', detail?: string) => void;
}

export interface RedisStore extends SharedStore {
  /** The ioredis client, for tests and health checks. */
  readonly client: Redis;
}

/** INCR, and start the window's TTL on the first failure (or if a TTL was somehow lost). */
const COUNT_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

export function redisOptions(options: RedisStoreOptions): RedisOptions {
  const url = new URL(options.url);
  const db = Number(url.pathname.replace(/^\//, '') || '0');
  const secure = url.protocol === 'rediss:';
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  const password = options.password ?? urlPassword;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
    ...(secure ? { tls: { ...(options.tls ?? {}) } } : {}),
    connectTimeout: options.connectTimeout,
    commandTimeout: options.commandTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting for ever, at most every 2 s: Redis coming back must be noticed.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  };
}

export function redisStore(options: RedisStoreOptions): RedisStore {
  const now = options.now ?? Date.now;
  const client = new Redis(redisOptions(options));
  const key = (kind: string, id: string) => `${options.keyPrefix}${kind}:${id}`;
  // The first commands wait for the first connection attempt (bounded by connectTimeout),
  // so a start-up is not mistaken for an outage; afterwards commands fail fast.
  let settleFirst: () => void = () => {};
  const firstAttempt = new Promise<void>((resolve) => (settleFirst = resolve));
  const firstTimer = setTimeout(settleFirst, options.connectTimeout + 100);
  firstTimer.unref();
  client.on('ready', () => {
    settleFirst();
    options.onEvent?.('ready');
  });
  client.on('end', () => {
    settleFirst();
    options.onEvent?.('end');
  });
  // Without a listener ioredis prints every connection error to stderr.
  client.on('error', (error: Error) => {
    settleFirst();
    options.onEvent?.('error', error.message);
  });
  const remaining = (untilMs: number) => Math.ceil(untilMs - now());
  const ready = async () => {
    if (client.status !== 'ready') await firstAttempt;
    return client;
  };

  return {
    client,
    async revoke(sid, untilMs) {
      const ttl = remaining(untilMs);
      if (ttl > 0) await (await ready()).set(key('revoked', sid), String(untilMs), 'PX', ttl);
    },
    async isRevoked(sid) {
      return (await (await ready()).exists(key('revoked', sid))) === 1;
    },
    async countFailure(id, windowMs) {
      return Number(await (await ready()).eval(COUNT_FAILURE, 1, key('failures', id), String(Math.max(1, Math.ceil(windowMs)))));
    },
    async failures(id) {
      return Number((await (await ready()).get(key('failures', id))) ?? 0);
    },
    async resetFailures(id) {
      await (await ready()).del(key('failures', id));
    },
    async lock(id, untilMs) {
      const ttl = remaining(untilMs);
      if (ttl > 0) await (await ready()).set(key('lock', id), String(untilMs), 'PX', ttl);
    },
    async lockedUntil(id) {
      const value = await (await ready()).get(key('lock', id));
      const until = value === null ? NaN : Number(value);
      return Number.isFinite(until) && until > now() ? until : undefined;
    },
    async close() {
      clearTimeout(firstTimer);
      settleFirst();
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    },
  };
}
