/**
 * Redis going away must not lock anyone out: the store from createSharedStore keeps working
 * on this replica's memory, warns once per outage, reports it through onDegraded, and goes
 * back to Redis when Redis returns (replaying the revocations it made meanwhile).
 */
import t from 'tap';
import { createSharedStore } from '../../../src/store/factory.ts';
import { redisStore } from '../../../src/store/redis.ts';
import { createThrottle } from '../../../src/auth/throttle.ts';
import { freePort } from '../../support/authgate.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { capturedLogger, eventually, failOnce, redisConfig, succeedOnce } from './fixtures.ts';

let redis: RedisServer;
t.before(async () => {
  redis = await startRedis();
});
t.teardown(async () => {
  await redis?.stop();
});

const UNAVAILABLE = /shared store unavailable/;
const AVAILABLE_AGAIN = /shared store available again/;

t.test('Redis stopped mid-test: per-replica fallback, one warning, then recovery', async (t) => {
  const log = capturedLogger();
  const degraded: boolean[] = [];
  const loaded = redisConfig(redis.url, redis.password, { keyPrefix: 'outage:' });
  const store = createSharedStore(loaded.config, loaded, log.logger, Date.now, { onDegraded: (d) => degraded.push(d), probeInterval: 100 });
  t.teardown(() => store.close());
  const throttle = createThrottle(store, { window: 60_000, maxFailuresPerUser: 3, maxFailuresPerIp: 100, lockout: 60_000 });

  await store.revoke('before-outage', Date.now() + 60_000);
  t.equal(await store.isRevoked('before-outage'), true);
  t.equal(await throttle.blockedUntil('alice', '10.0.0.1'), undefined);
  t.same(degraded, [], 'healthy at start: no degraded report');
  t.equal(log.count('warn', UNAVAILABLE), 0);

  await redis.stopOnly();

  t.equal(await store.isRevoked('before-outage'), true, 'a revocation seen by this replica is still enforced');
  t.equal(await store.isRevoked('someone-else'), false, 'other sessions keep working');
  await store.revoke('during-outage', Date.now() + 60_000);
  t.equal(await store.isRevoked('during-outage'), true, 'a logout during the outage is enforced here');
  for (let i = 0; i < 3; i++) await failOnce(throttle, 'mallory', '10.0.0.2');
  t.ok(await throttle.blockedUntil('mallory', '10.0.0.2'), 'throttling still locks out, per replica');
  await succeedOnce(throttle, 'alice', '10.0.0.1');
  t.same(degraded, [true], 'onDegraded(true) once');
  t.equal(log.count('warn', UNAVAILABLE), 1, 'one warning per outage, however many calls');

  await redis.start();
  t.ok(await eventually(async () => (await store.isRevoked('probe'), degraded.length === 2)), 'recovers once Redis answers again');
  t.same(degraded, [true, false]);
  t.equal(log.count('info', AVAILABLE_AGAIN), 1);

  const other = redisStore({ url: redis.url, password: redis.password, keyPrefix: 'outage:', connectTimeout: 1000, commandTimeout: 1000 });
  t.teardown(() => other.close());
  t.ok(await eventually(() => other.isRevoked('during-outage')), 'the revocation made during the outage was replayed to Redis for the other replicas');
  t.ok(await throttle.blockedUntil('mallory', '10.0.0.2'), 'the lockout made during the outage still holds on this replica');
  t.equal(await other.failures('u:carol'), 0);
  await failOnce(throttle, 'carol', '10.0.0.3');
  t.equal(await other.failures('u:carol'), 1, 'after recovery, failures are counted in Redis again');

  await redis.stopOnly();
  await store.isRevoked('x');
  await redis.start();
  t.ok(await eventually(async () => (await store.isRevoked('probe'), degraded.length === 4)));
  t.same(degraded, [true, false, true, false], 'a second outage is reported again');
  t.equal(log.count('warn', UNAVAILABLE), 2);
});

t.test('Redis unreachable from the start: logins and sessions still work', async (t) => {
  const log = capturedLogger();
  const degraded: boolean[] = [];
  const closedPort = await freePort();
  const loaded = redisConfig(`redis://127.0.0.1:${closedPort}/0`, 'unused-password', { connectTimeout: '300ms' });
  const store = createSharedStore(loaded.config, loaded, log.logger, Date.now, { onDegraded: (d) => degraded.push(d), probeInterval: 100 });
  t.teardown(() => store.close());
  const started = Date.now();
  t.equal(await store.isRevoked('sid'), false);
  t.equal(await store.countFailure('u:alice', 60_000), 1);
  t.equal(await store.countFailure('u:alice', 60_000), 2);
  t.ok(Date.now() - started < 2000, 'bounded by the connect timeout, not hanging');
  t.same(degraded, [true]);
  t.equal(log.count('warn', UNAVAILABLE), 1);
  t.equal(log.count('warn', /redis connection failed/), 1, 'repeated connection errors are logged once');
});

t.test('memory store with several replicas warns what is per replica', async (t) => {
  const log = capturedLogger();
  const base = redisConfig(redis.url, redis.password);
  const loaded = { ...base, config: { ...base.config, session: { ...base.config.session, store: 'memory' as const } }, env: { AUTHGATE_REPLICAS: '3' } };
  const store = createSharedStore(loaded.config, loaded, log.logger);
  t.teardown(() => store.close());
  t.equal(log.count('warn', /several replicas.*per replica.*session\.store: redis/), 1);
  const single = createSharedStore(loaded.config, { ...loaded, env: {} }, log.logger);
  t.teardown(() => single.close());
  t.equal(log.count('warn', /several replicas/), 1, 'no warning for one replica');
});

t.test('a wrong Redis password degrades with a warning, it does not stop authgate', async (t) => {
  const log = capturedLogger();
  const loaded = redisConfig(redis.url, 'wrong-password');
  const store = createSharedStore(loaded.config, loaded, log.logger, Date.now, { probeInterval: 100 });
  t.teardown(() => store.close());
  await store.revoke('sid', Date.now() + 10_000);
  t.equal(await store.isRevoked('sid'), true);
  t.ok(log.count('warn', UNAVAILABLE) + log.count('warn', /redis connection failed/) >= 1);
  t.ok(log.lines.every((l) => !JSON.stringify(l).includes('wrong-password')), 'the password never reaches the log');
});
