/**
 * Two replicas (each its own SessionManager, throttle and store from createSharedStore) behind
 * the same secrets and one real Redis: a session made on one is accepted by the other, a
 * logout on one is refused by the other, and failed logins on both count towards one lockout.
 */
import t from 'tap';
import type { Identity } from '../../../src/core/identity.ts';
import { createThrottle, type Throttle } from '../../../src/auth/throttle.ts';
import { deriveSessionKeys, SessionManager } from '../../../src/session/index.ts';
import { createSharedStore } from '../../../src/store/factory.ts';
import type { SharedStore } from '../../../src/store/store.ts';
import { SECRET_A, cookiePair } from '../../support/authgate.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { capturedLogger, failOnce, redisConfig } from './fixtures.ts';

interface Replica {
  name: string;
  store: SharedStore;
  sessions: SessionManager;
  throttle: Throttle;
}

const IDENTITY: Identity = { provider: 'local', uniqueId: 'alice', username: 'alice', groups: ['analysts'], role: 'publisher', authTime: 1, refreshedAt: 1 };

let redis: RedisServer;
t.before(async () => {
  redis = await startRedis();
});
t.teardown(async () => {
  await redis?.stop();
});

function replica(name: string, store: 'redis' | 'memory' = 'redis'): Replica {
  const base = redisConfig(redis.url, redis.password, { keyPrefix: 'replicas:' });
  const loaded = { ...base, config: { ...base.config, session: { ...base.config.session, store } } };
  const shared = createSharedStore(loaded.config, loaded, capturedLogger().logger);
  const settings = loaded.config.session;
  return {
    name,
    store: shared,
    sessions: new SessionManager({ keys: deriveSessionKeys([SECRET_A]), limits: { idleTimeout: settings.idleTimeout, maxLifetime: settings.maxLifetime }, store: shared, cookieName: settings.cookieName, cacheSize: 100 }),
    throttle: createThrottle(shared, { window: 60_000, maxFailuresPerUser: 4, maxFailuresPerIp: 100, lockout: 60_000 }),
  };
}

t.test('session.store: redis shares revocations and throttling between replicas', async (t) => {
  const a = replica('a');
  const b = replica('b');
  t.teardown(async () => {
    await a.store.close();
    await b.store.close();
  });

  const { setCookie } = await a.sessions.create(IDENTITY);
  const cookie = cookiePair(setCookie);
  t.equal((await b.sessions.read(cookie)).session?.identity.username, 'alice', 'a session made on A is accepted by B');

  const onA = await a.sessions.read(cookie);
  if (!onA.session) throw new Error('session not readable on A');
  await a.sessions.revoke(onA.session);
  t.same(await b.sessions.read(cookie), { invalid: 'revoked' }, 'a logout on A is refused by B');
  t.same(await a.sessions.read(cookie), { invalid: 'revoked' });

  await failOnce(a.throttle, 'mallory', '10.0.0.1');
  await failOnce(b.throttle, 'mallory', '10.0.0.2');
  await failOnce(a.throttle, 'mallory', '10.0.0.3');
  t.equal(await b.throttle.blockedUntil('mallory', '10.0.0.9'), undefined, 'three failures: not yet');
  await failOnce(b.throttle, 'mallory', '10.0.0.4');
  t.ok(await a.throttle.blockedUntil('mallory', '10.0.0.9'), 'the fourth failure, made on B, locks the user out on A');
  t.ok(await b.throttle.blockedUntil('mallory', '10.0.0.9'));
  t.equal(await a.throttle.blockedUntil('alice', '10.0.0.9'), undefined, 'other users are not affected');
});

t.test('session.store: memory keeps revocations per replica (what the warning says)', async (t) => {
  const a = replica('a', 'memory');
  const b = replica('b', 'memory');
  t.teardown(async () => {
    await a.store.close();
    await b.store.close();
  });
  const { session, setCookie } = await a.sessions.create(IDENTITY);
  await a.sessions.revoke(session);
  t.same(await a.sessions.read(cookiePair(setCookie)), { invalid: 'revoked' });
  t.equal((await b.sessions.read(cookiePair(setCookie))).session?.identity.username, 'alice', 'B never heard of the logout');
});
