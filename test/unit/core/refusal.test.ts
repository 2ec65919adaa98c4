import t from 'tap';
import { isRefusal, refusal, REFUSAL_CODES, type RefusalCode } from '../../../src/core/refusal.ts';

// The refusal vocabulary is public (HTTP `error`, the denial metric's label, the audit reason): written out here, not read from the module.
const EXPECTED: Array<[RefusalCode, number]> = [
  ['bad-host', 400],
  ['bad-path', 400],
  ['xff-malformed', 400],
  ['ip-denied', 403],
  ['ip-not-allowed', 403],
  ['unauthenticated', 401],
  ['path-denied', 403],
  ['path-denied-for-role', 403],
  ['default-deny', 403],
  ['websocket-origin-refused', 403],
  ['rpc-method-mismatch', 400],
];

t.test('the closed list of refusal codes', async (t) => {
  t.same([...REFUSAL_CODES].sort(), EXPECTED.map(([code]) => code).sort());
});

for (const [code, status] of EXPECTED) {
  t.test(`${code} answers ${status}`, async (t) => {
    const r = refusal(code, 'Because.', { rule: 'r1' });
    t.same(r, { status, code, publicMessage: 'Because.', rule: 'r1' });
    t.ok(isRefusal(r));
  });
}

t.test('a checked request target is not a refusal', async (t) => {
  t.notOk(isRefusal({ ok: true, target: '/a', path: '/a' }));
});
