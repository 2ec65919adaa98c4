/**
 * One contract for every SharedStore: this replica's memory, Redis (a real redis-server), and
 * Redis behind the fallback wrapper. Same cases, same expectations, real clock.
 */
import t from 'tap';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { memoryStore, type SharedStore } from '../../../src/store/store.ts';
import { redisStore } from '../../../src/store/redis.ts';
import { fallbackStore } from '../../../src/store/fallback.ts';
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
  {
    name: 'reserve numbers the attempts and refuses past the limit, until the window ends',
    async run(t, store) {
      const before = Date.now();
      const first = await store.reserve([{ key: 'u:res', limit: 2 }], 60_000);
      t.same(first, { ok: true, counts: [1] });
      t.same(await store.reserve([{ key: 'u:res', limit: 2 }], 60_000), { ok: true, counts: [2] });
      const refused = await store.reserve([{ key: 'u:res', limit: 2 }], 60_000);
      t.equal(refused.ok, false, 'the third attempt is refused');
      if (!refused.ok) t.ok(refused.until >= before + 59_000 && refused.until <= Date.now() + 60_000, `until the window ends (${refused.until - before} ms)`);
      t.equal(await store.failures('u:res'), 2, 'a refused attempt is not counted');
    },
  },
  {
    name: 'reserve is all or none across keys',
    async run(t, store) {
      await store.reserve([{ key: 'ip:full', limit: 1 }], 60_000);
      const refused = await store.reserve([{ key: 'u:free', limit: 5 }, { key: 'ip:full', limit: 1 }], 60_000);
      t.equal(refused.ok, false);
      t.equal(await store.failures('u:free'), 0, 'the free key was not counted either');
      t.same(await store.reserve([{ key: 'u:free', limit: 5 }, { key: 'ip:other', limit: 1 }], 60_000), { ok: true, counts: [1, 1] });
    },
  },
  {
    name: 'a lock refuses reservations until it ends',
    async run(t, store) {
      const until = Date.now() + 250;
      await store.lock('u:locked', until);
      t.same(await store.reserve([{ key: 'u:locked', limit: 100 }], 60_000), { ok: false, until });
      t.equal(await store.failures('u:locked'), 0);
      await sleep(400);
      t.same(await store.reserve([{ key: 'u:locked', limit: 100 }], 60_000), { ok: true, counts: [1] });
    },
  },
  {
    name: 'a lock with keep cuts the count: when it ends, attempts resume from there',
    async run(t, store) {
      for (let i = 0; i < 3; i++) await store.reserve([{ key: 'u:keep', limit: 3 }], 60_000);
      await store.lock('u:keep', Date.now() + 250, 2);
      t.equal(await store.failures('u:keep'), 2, 'cut to 2');
      t.equal((await store.reserve([{ key: 'u:keep', limit: 3 }], 60_000)).ok, false, 'refused while locked');
      await sleep(400);
      t.same(await store.reserve([{ key: 'u:keep', limit: 3 }], 60_000), { ok: true, counts: [3] }, 'one attempt after the lock');
      t.equal((await store.reserve([{ key: 'u:keep', limit: 3 }], 60_000)).ok, false, 'and only one');
      await store.lock('u:keep-low', Date.now() + 60_000, 5);
      t.equal(await store.failures('u:keep-low'), 0, 'keep never raises a count or creates one');
    },
  },
  {
    name: 'the reservation window starts at the first attempt and ends by itself',
    async run(t, store) {
      await store.reserve([{ key: 'u:rwin', limit: 1 }], 300);
      t.equal((await store.reserve([{ key: 'u:rwin', limit: 1 }], 300)).ok, false);
      await sleep(450);
      t.same(await store.reserve([{ key: 'u:rwin', limit: 1 }], 300), { ok: true, counts: [1] });
    },
  },
  {
    name: 'release gives one attempt back, never below zero, and creates nothing',
    async run(t, store) {
      await store.reserve([{ key: 'u:rel', limit: 2 }], 60_000);
      await store.reserve([{ key: 'u:rel', limit: 2 }], 60_000);
      await store.release('u:rel');
      t.equal(await store.failures('u:rel'), 1);
      t.same(await store.reserve([{ key: 'u:rel', limit: 2 }], 60_000), { ok: true, counts: [2] }, 'the slot given back can be used again');
      await store.release('u:rel');
      await store.release('u:rel');
      await store.release('u:rel');
      t.equal(await store.failures('u:rel'), 0, 'not below zero');
      await store.release('u:never');
      t.equal(await store.failures('u:never'), 0);
    },
  },
  {
    name: 'concurrent reservations: exactly the limit gets through (no check-then-act race)',
    async run(t, store) {
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          store.reserve(
            [
              { key: 'u:race', limit: 5 },
              { key: 'ip:race', limit: 20 },
            ],
            60_000,
          ),
        ),
      );
      const granted = results.filter((r) => r.ok);
      t.equal(granted.length, 5, '5 of 40 concurrent attempts reserved');
      t.same(granted.map((r) => (r.ok ? (r.counts[0] ?? 0) : 0)).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
      t.equal(await store.failures('u:race'), 5);
      t.equal(await store.failures('ip:race'), 5, 'the refused ones did not count against the IP');
      const sprayed = await Promise.all(Array.from({ length: 40 }, (_, i) => store.reserve([{ key: `u:spray${i}`, limit: 5 }, { key: 'ip:spray', limit: 20 }], 60_000)));
      t.equal(sprayed.filter((r) => r.ok).length, 20, '20 of 40 concurrent attempts on 40 usernames from one IP');
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
