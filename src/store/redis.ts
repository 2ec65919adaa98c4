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

/**
 * Reserve one attempt on every key, all or none, in one script (Redis runs it atomically, so
 * concurrent logins on any replica cannot all pass the check before one of them counts).
 * KEYS: n counters, then their n locks. ARGV: window (ms), now (ms), then the n limits.
 * Returns {1, count...} or {0, until}.
 */
const RESERVE = `
local n = #KEYS / 2
local now = tonumber(ARGV[2])
local untilMs = 0
for i = 1, n do
  local locked = tonumber(redis.call('GET', KEYS[n + i]) or '0') or 0
  if locked > now and locked > untilMs then untilMs = locked end
  local count = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  if count >= tonumber(ARGV[2 + i]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then ttl = tonumber(ARGV[1]) end
    if now + ttl > untilMs then untilMs = now + ttl end
  end
end
if untilMs > 0 then return {0, untilMs} end
local result = {1}
for i = 1, n do
  local c = redis.call('INCR', KEYS[i])
  if c == 1 or redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  result[i + 1] = c
end
return result`;

/** SET the lock, and cut the failure counter down to ARGV[3] (keeping its TTL) when ARGV[3] is given. KEYS: lock, counter. */
const LOCK = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' then
  local c = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
  local ttl = redis.call('PTTL', KEYS[2])
  if c > tonumber(ARGV[3]) and ttl > 0 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ttl) end
end
return 1`;

/** DECR, but never below zero and never creating a counter. */
const RELEASE = `
local c = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if c > 1 then return redis.call('DECR', KEYS[1]) end
if c == 1 then redis.call('DEL', KEYS[1]) end
return 0`;

function redisOptions(options: RedisStoreOptions): RedisOptions {
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
    async lock(id, untilMs, keep) {
      const ttl = remaining(untilMs);
      if (ttl > 0) await (await ready()).eval(LOCK, 2, key('lock', id), key('failures', id), String(untilMs), String(ttl), keep === undefined ? '' : String(keep));
    },
    async lockedUntil(id) {
      const value = await (await ready()).get(key('lock', id));
      const until = value === null ? NaN : Number(value);
      return Number.isFinite(until) && until > now() ? until : undefined;
    },
    async reserve(entries, windowMs) {
      const keys = [...entries.map((e) => key('failures', e.key)), ...entries.map((e) => key('lock', e.key))];
      const args = [String(Math.max(1, Math.ceil(windowMs))), String(Math.floor(now())), ...entries.map((e) => String(e.limit))];
      const reply = (await (await ready()).eval(RESERVE, keys.length, ...keys, ...args)) as number[];
      if (reply[0] !== 1) return { ok: false, until: Number(reply[1]) };
      return { ok: true, counts: reply.slice(1).map(Number) };
    },
    async release(id) {
      await (await ready()).eval(RELEASE, 1, key('failures', id));
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
