/**
 * One contract for every SharedStore: this replica's memory, Redis (a real redis-server), and
 * Redis behind the fallback wrapper. Same cases, same expectations, real clock.
 */
import t from 'tap';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { memoryStore, type SharedStore } from '../../../src/session/store.ts';
import { redisStore } from '../../../src/session/redis-store.ts';
import { fallbackStore } from '../../../src/session/fallback-store.ts';
import { startRedis, type RedisServer } from './redis-server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Implementation {
  name: string;
  make(): SharedStore;
}

interface Case {
  name: string;
  run(t: Test, store: SharedStore): Promise<void>;
}

const cases: Case[] = [
  {
    name: 'an unknown session id is not revoked',
    async run(t, store) {
      t.equal(await store.isRevoked('never-seen'), false);
    },
  },
  {
    name: 'a revoked session id stays revoked until the given time',
    async run(t, store) {
      await store.revoke('sid-1', Date.now() + 60_000);
      t.equal(await store.isRevoked('sid-1'), true);
      t.equal(await store.isRevoked('sid-2'), false);
    },
  },
  {
    name: 'a revocation ends at its time',
    async run(t, store) {
      await store.revoke('short', Date.now() + 200);
      t.equal(await store.isRevoked('short'), true);
      await sleep(350);
      t.equal(await store.isRevoked('short'), false);
    },
  },
  {
    name: 'a revocation already in the past is not kept',
    async run(t, store) {
      await store.revoke('old', Date.now() - 1000);
      t.equal(await store.isRevoked('old'), false);
    },
  },
  {
    name: 'failures count up per key within the window',
    async run(t, store) {
      t.equal(await store.failures('u:alice'), 0);
      t.equal(await store.countFailure('u:alice', 60_000), 1);
      t.equal(await store.countFailure('u:alice', 60_000), 2);
      t.equal(await store.countFailure('ip:127.0.0.1', 60_000), 1);
      t.equal(await store.failures('u:alice'), 2);
      t.equal(await store.failures('ip:127.0.0.1'), 1);
    },
  },
  {
    name: 'the window starts at the first failure and the count restarts after it',
    async run(t, store) {
      t.equal(await store.countFailure('u:win', 300), 1);
      await sleep(150);
      t.equal(await store.countFailure('u:win', 300), 2, 'a later failure does not extend the window');
      await sleep(250);
      t.equal(await store.failures('u:win'), 0);
      t.equal(await store.countFailure('u:win', 300), 1);
    },
  },
  {
    name: 'a success resets the failures of that key only',
    async run(t, store) {
      await store.countFailure('u:bob', 60_000);
      await store.countFailure('u:carol', 60_000);
      await store.resetFailures('u:bob');
      t.equal(await store.failures('u:bob'), 0);
      t.equal(await store.failures('u:carol'), 1);
      await store.resetFailures('u:nobody');
    },
  },
  {
    name: 'a lock holds until its time, then ends',
    async run(t, store) {
      t.equal(await store.lockedUntil('u:dave'), undefined);
      const until = Date.now() + 250;
      await store.lock('u:dave', until);
      t.equal(await store.lockedUntil('u:dave'), until);
      t.equal(await store.lockedUntil('u:erin'), undefined);
      await sleep(400);
      t.equal(await store.lockedUntil('u:dave'), undefined);
    },
  },
  {
    name: 'keys with spaces, colons, braces and non-ASCII letters are kept apart',
    async run(t, store) {
      const keys = ['u:zoë', 'u:zoe', 'u:a b', 'u:{x}:y', 'ip:::1', 'ip:::ffff:127.0.0.1'];
      for (const [i, key] of keys.entries()) for (let n = 0; n <= i; n++) await store.countFailure(key, 60_000);
      for (const [i, key] of keys.entries()) t.equal(await store.failures(key), i + 1, key);
    },
  },
  {
    name: 'concurrent failures are all counted (no lost update)',
    async run(t, store) {
      const counts = await Promise.all(Array.from({ length: 25 }, () => store.countFailure('u:burst', 60_000)));
      t.same([...counts].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 1));
      t.equal(await store.failures('u:burst'), 25);
    },
  },
];

let redis: RedisServer | undefined;
t.before(async () => {
  redis = await startRedis();
});
t.teardown(async () => {
  await redis?.stop();
});

const server = () => {
  if (!redis) throw new Error('redis-server did not start');
  return redis;
};
const redisFor = () => redisStore({ url: server().url, password: server().password, keyPrefix: `contract-${randomBytes(6).toString('hex')}:`, connectTimeout: 2000, commandTimeout: 2000 });

const implementations: Implementation[] = [
  { name: 'memory', make: () => memoryStore() },
  { name: 'redis', make: redisFor },
  { name: 'redis behind the fallback', make: () => fallbackStore({ primary: redisFor(), local: memoryStore() }) },
];

for (const impl of implementations) {
  t.test(impl.name, async (t) => {
    for (const c of cases) {
      t.test(c.name, async (t) => {
        const store = impl.make();
        t.teardown(() => store.close());
        await c.run(t, store);
      });
    }
  });
}
