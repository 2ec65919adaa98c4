import t from 'tap';
import { memoryStore } from '../../../src/store/store.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('revocation lasts until the given time', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  t.equal(await store.isRevoked('s1'), false);
  await store.revoke('s1', c.now() + 1000);
  t.equal(await store.isRevoked('s1'), true);
  t.equal(await store.isRevoked('s2'), false);
  c.advance(999);
  t.equal(await store.isRevoked('s1'), true);
  c.advance(1);
  t.equal(await store.isRevoked('s1'), false, 'the session has expired anyway');
});

t.test('failures count within the window and restart after it', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  const window = 15 * 60_000;
  t.equal(await store.failures('user:alice'), 0);
  t.equal(await store.countFailure('user:alice', window), 1);
  t.equal(await store.countFailure('user:alice', window), 2);
  c.advance(window - 1);
  t.equal(await store.countFailure('user:alice', window), 3, 'the window is fixed from the first failure');
  t.equal(await store.failures('user:alice'), 3);
  t.equal(await store.failures('ip:10.0.0.1'), 0, 'keys are independent');
  c.advance(1);
  t.equal(await store.failures('user:alice'), 0, 'window over');
  t.equal(await store.countFailure('user:alice', window), 1, 'a new window starts');
});

t.test('resetFailures clears the count (successful login)', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  await store.countFailure('k', 1000);
  await store.countFailure('k', 1000);
  await store.resetFailures('k');
  t.equal(await store.failures('k'), 0);
  t.equal(await store.countFailure('k', 1000), 1);
});

t.test('lockout expires', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  t.equal(await store.lockedUntil('user:alice'), undefined);
  const until = c.now() + 15 * 60_000;
  await store.lock('user:alice', until);
  t.equal(await store.lockedUntil('user:alice'), until);
  t.equal(await store.lockedUntil('user:bob'), undefined);
  c.advance(15 * 60_000 - 1);
  t.equal(await store.lockedUntil('user:alice'), until);
  c.advance(1);
  t.equal(await store.lockedUntil('user:alice'), undefined);
});

t.test('a lock can be extended', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  await store.lock('k', c.now() + 100);
  await store.lock('k', c.now() + 1000);
  c.advance(500);
  t.equal(await store.lockedUntil('k'), c.now() + 500);
});

t.test('many revocations: expired ones are pruned, live ones kept', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  for (let i = 0; i < 100_000; i++) await store.revoke(`old-${i}`, c.now() + 10);
  c.advance(20);
  await store.revoke('live', c.now() + 1000);
  t.equal(await store.isRevoked('live'), true);
  t.equal(await store.isRevoked('old-1'), false);
});
