import t from 'tap';
import { refusal, type Refusal, type RefusalCode } from '../../../src/core/refusal.ts';
import { createAuditLog } from '../../../src/observability/audit.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { recordRefusal } from '../../../src/observability/refusals.ts';

const REQUEST = { requestId: 'req-1', clientIp: '198.51.100.7', method: 'GET', target: '/app/x?token=secret' };
const ALICE = { provider: 'local', username: 'alice', uniqueId: 'u-1' };

function record(r: Refusal): { lines: Array<Record<string, unknown>>; series: Promise<string[]> } {
  const lines: Array<Record<string, unknown>> = [];
  const audit = createAuditLog({ file: '-', sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), now: () => new Date(0) });
  const metrics = createMetrics();
  recordRefusal({ audit, metrics }, r, REQUEST);
  const series = metrics.registry.metrics().then((text) => text.split('\n').filter((l) => l.startsWith('authgate_denials_total{')));
  return { lines, series };
}

const cases: Array<{ name: string; refusal: Refusal; event?: string; fields?: Record<string, unknown> }> = [
  { name: 'bad-host: counted, not audited', refusal: refusal('bad-host', 'm') },
  { name: 'bad-path: counted, not audited', refusal: refusal('bad-path', 'm') },
  {
    name: 'xff-malformed: net.ip.refused with the entry',
    refusal: refusal('xff-malformed', 'm', { detail: { entry: 'not-an-ip' } }),
    event: 'net.ip.refused',
    fields: { requestId: 'req-1', clientIp: '198.51.100.7', reason: 'xff-malformed', method: 'GET', path: '/app/x?token=[redacted]', detail: { entry: 'not-an-ip' } },
  },
  { name: 'ip-denied: net.ip.refused', refusal: refusal('ip-denied', 'm'), event: 'net.ip.refused', fields: { reason: 'ip-denied', path: '/app/x?token=[redacted]' } },
  { name: 'ip-not-allowed: net.ip.refused', refusal: refusal('ip-not-allowed', 'm'), event: 'net.ip.refused', fields: { reason: 'ip-not-allowed' } },
  { name: 'an anonymous request that must sign in: counted, not audited', refusal: refusal('unauthenticated', 'm', { path: '/app/x', returnTo: '/app/x' }) },
  {
    name: 'an API key refused as unauthenticated: authz.denied naming the principal and the rule',
    refusal: refusal('unauthenticated', 'm', { path: '/app/x', rule: 'users-only', principal: 'api-key' }),
    event: 'authz.denied',
    fields: { reason: 'unauthenticated', rule: 'users-only', path: '/app/x', detail: { principal: 'api-key' } },
  },
  {
    name: 'path-denied-for-role: authz.denied with the subject and the judged path',
    refusal: refusal('path-denied-for-role', 'm', { path: '/admin', rule: 'no-admin', who: ALICE }),
    event: 'authz.denied',
    fields: { provider: 'local', subject: { username: 'alice', uniqueId: 'u-1' }, reason: 'path-denied-for-role', rule: 'no-admin', method: 'GET', path: '/admin' },
  },
  { name: 'path-denied: authz.denied', refusal: refusal('path-denied', 'm', { path: '/x', rule: 'r' }), event: 'authz.denied', fields: { reason: 'path-denied' } },
  { name: 'default-deny: authz.denied', refusal: refusal('default-deny', 'm', { path: '/x', who: ALICE }), event: 'authz.denied', fields: { reason: 'default-deny' } },
  {
    name: 'websocket-origin-refused: authz.denied with the origin',
    refusal: refusal('websocket-origin-refused', 'm', { detail: { origin: 'https://evil.example' } }),
    event: 'authz.denied',
    fields: { reason: 'websocket-origin-refused', detail: { origin: 'https://evil.example' } },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { lines, series } = record(c.refusal);
    t.same(await series, [`authgate_denials_total{reason="${c.refusal.code}"} 1`], 'counted once under its code');
    if (!c.event) return t.same(lines, [], 'not audited');
    t.equal(lines.length, 1, 'one audit event');
    t.match(lines[0], { event: c.event, ...c.fields });
    t.notOk(JSON.stringify(lines[0]).includes('secret'), 'query values redacted');
  });
}

t.test('the audited path is capped at 500 characters', async (t) => {
  const lines: Array<{ path?: string }> = [];
  const audit = createAuditLog({ file: '-', sink: (line) => lines.push(JSON.parse(line) as { path?: string }) });
  recordRefusal({ audit, metrics: createMetrics() }, refusal('ip-denied', 'm'), { ...REQUEST, target: `/${'a'.repeat(600)}` });
  t.equal(lines[0]?.path?.length, 500);
});

t.test('every refusal code is counted under its own label, never as other', async (t) => {
  const codes: RefusalCode[] = ['bad-host', 'bad-path', 'xff-malformed', 'ip-denied', 'ip-not-allowed', 'unauthenticated', 'path-denied', 'path-denied-for-role', 'default-deny', 'websocket-origin-refused', 'rpc-method-mismatch'];
  const metrics = createMetrics();
  const audit = createAuditLog({ file: '-', sink: () => undefined });
  for (const code of codes) recordRefusal({ audit, metrics }, refusal(code, 'm'), REQUEST);
  const text = await metrics.registry.metrics();
  for (const code of codes) t.match(text, `authgate_denials_total{reason="${code}"} 1`, code);
  t.notMatch(text, 'reason="other"');
});
