import t from 'tap';
import { asSession, sessionDeadline, sessionState, touchInterval, type Session, type SessionLimits } from '../../../src/session/session.ts';

const H = 3_600_000;
const limits: SessionLimits = { idleTimeout: 8 * H, maxLifetime: 7 * 24 * H };
const T0 = Date.UTC(2025, 0, 1);
const identity = { provider: 'local', uniqueId: 'u1', username: 'alice', groups: [], role: 'viewer' as const, authTime: T0 / 1000, refreshedAt: T0 / 1000 };
const session = (createdAt: number, lastSeen: number): Session => ({ sid: 's', identity, createdAt, lastSeen });

const cases: Array<{ name: string; session: Session; now: number; expected: ReturnType<typeof sessionState> }> = [
  { name: 'fresh', session: session(T0, T0), now: T0, expected: 'valid' },
  { name: 'idle just under the limit', session: session(T0, T0), now: T0 + 8 * H - 1, expected: 'valid' },
  { name: 'idle exactly at the limit', session: session(T0, T0), now: T0 + 8 * H, expected: 'idle-expired' },
  { name: 'active but past max lifetime', session: session(T0, T0 + 7 * 24 * H - 1000), now: T0 + 7 * 24 * H, expected: 'expired' },
  { name: 'recently seen, well within lifetime', session: session(T0, T0 + 3 * 24 * H), now: T0 + 3 * 24 * H + H, expected: 'valid' },
  { name: 'expired wins over idle', session: session(T0, T0), now: T0 + 30 * 24 * H, expected: 'expired' },
  { name: 'created slightly in the future (clock skew) is fine', session: session(T0 + 30_000, T0 + 30_000), now: T0, expected: 'valid' },
  { name: 'created far in the future', session: session(T0 + 61_000, T0 + 61_000), now: T0, expected: 'not-yet-valid' },
];
for (const c of cases) {
  t.test(`sessionState: ${c.name}`, async (t) => {
    t.equal(sessionState(c.session, c.now, limits), c.expected);
  });
}

const touchCases: Array<[number, number]> = [
  [8 * H, 5 * 60_000],
  [30 * 60_000, 3 * 60_000],
  [5_000, 1000],
  [0, 1000],
];
for (const [idle, expected] of touchCases) {
  t.test(`touchInterval for idleTimeout ${idle}ms is ${expected}ms`, async (t) => {
    t.equal(touchInterval({ idleTimeout: idle, maxLifetime: 7 * 24 * H }), expected);
  });
}

t.test('sessionDeadline is creation plus max lifetime', async (t) => {
  t.equal(sessionDeadline(session(T0, T0 + H), limits), T0 + 7 * 24 * H);
});

const shapeCases: Array<[string, Record<string, unknown>, boolean]> = [
  ['complete', { sid: 's', createdAt: 1, lastSeen: 1, identity }, true],
  ['missing sid', { createdAt: 1, lastSeen: 1, identity }, false],
  ['sid not a string', { sid: 1, createdAt: 1, lastSeen: 1, identity }, false],
  ['createdAt a string', { sid: 's', createdAt: '1', lastSeen: 1, identity }, false],
  ['missing lastSeen', { sid: 's', createdAt: 1, identity }, false],
  ['identity null', { sid: 's', createdAt: 1, lastSeen: 1, identity: null }, false],
  ['identity without username', { sid: 's', createdAt: 1, lastSeen: 1, identity: { ...identity, username: undefined } }, false],
  ['identity without uniqueId', { sid: 's', createdAt: 1, lastSeen: 1, identity: { ...identity, uniqueId: 5 } }, false],
  ['identity without provider', { sid: 's', createdAt: 1, lastSeen: 1, identity: { ...identity, provider: undefined } }, false],
  ['identity without role', { sid: 's', createdAt: 1, lastSeen: 1, identity: { ...identity, role: undefined } }, false],
  ['groups not a list', { sid: 's', createdAt: 1, lastSeen: 1, identity: { ...identity, groups: 'admins' } }, false],
];
for (const [name, payload, ok] of shapeCases) {
  t.test(`asSession: ${name}`, async (t) => {
    t.equal(asSession(payload) !== undefined, ok);
  });
}
