import t from 'tap';
import { refreshState } from '../../../src/session/index.ts';

const H = 3_600_000;
const M = 60_000;
// LDAP's documented defaults: membershipUpdateInterval 4h, refreshGracePeriod 15m.
const timing = { intervalMs: 4 * H, graceMs: 15 * M };

const cases: Array<{ name: string; ageMs: number; sinceFailureMs?: number; want: string }> = [
  { name: 'just logged in', ageMs: 0, want: 'fresh' },
  { name: '3h old', ageMs: 3 * H, want: 'fresh' },
  { name: 'one ms before the interval', ageMs: 4 * H - 1, want: 'fresh' },
  { name: 'exactly at the interval', ageMs: 4 * H, want: 'due' },
  { name: 'overdue, never failed', ageMs: 6 * H, want: 'due' },
  { name: 'failed just now, at the interval', ageMs: 4 * H, sinceFailureMs: 0, want: 'grace' },
  { name: 'failed 10 s ago, 14 min overdue', ageMs: 4 * H + 14 * M, sinceFailureMs: 10_000, want: 'grace' },
  { name: 'failed just now, 15 min overdue', ageMs: 4 * H + 15 * M, sinceFailureMs: 0, want: 'expired' },
  { name: 'failed 10 s ago, 16 min overdue', ageMs: 4 * H + 16 * M, sinceFailureMs: 10_000, want: 'expired' },
  { name: 'failed 30 s ago: ask the provider again', ageMs: 4 * H + 16 * M, sinceFailureMs: 30_000, want: 'due' },
  { name: 'a failure long ago does not matter while fresh', ageMs: H, sinceFailureMs: 0, want: 'fresh' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(refreshState(c.ageMs, timing, c.sinceFailureMs), c.want);
  });
}

t.test('no grace period: the first failure ends the session', async (t) => {
  t.equal(refreshState(4 * H, { intervalMs: 4 * H, graceMs: 0 }, 0), 'expired');
});
