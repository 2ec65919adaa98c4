import t from 'tap';
import { createMetrics } from '../../../src/observability/metrics.ts';

const seriesOf = async (text: Promise<string>, name: string) => (await text).split('\n').filter((l) => l.startsWith(`${name}{`)).map((l) => l.slice(0, l.lastIndexOf(' ')));

t.test('label values outside their closed set are counted as unknown/other', async (t) => {
  const m = createMetrics();
  m.allowProviders(['corp-ad', 'google']);
  m.logins.inc({ provider: 'corp-ad', outcome: 'failed' });
  m.logins.inc({ provider: 'random-123', outcome: 'failed' });
  m.logins.inc({ provider: 'google', outcome: 'made-up' });
  t.same(await seriesOf(m.registry.metrics(), 'authgate_logins_total'), [
    'authgate_logins_total{provider="corp-ad",outcome="failed"}',
    'authgate_logins_total{provider="unknown",outcome="failed"}',
    'authgate_logins_total{provider="google",outcome="other"}',
  ]);
  m.denials.inc({ reason: 'unauthenticated' });
  m.denials.inc({ reason: 'from-the-request' });
  t.same(await seriesOf(m.registry.metrics(), 'authgate_denials_total'), ['authgate_denials_total{reason="unauthenticated"}', 'authgate_denials_total{reason="other"}']);
  m.refreshes.inc({ provider: 'gone-after-reload', outcome: 'user-gone' });
  t.same(await seriesOf(m.registry.metrics(), 'authgate_session_refreshes_total'), ['authgate_session_refreshes_total{provider="unknown",outcome="user-gone"}']);
  m.ldapPoolConnections.set({ provider: 'corp-ad' }, 3);
  m.ldapPoolConnections.set({ provider: 'x' }, 1);
  t.same(await seriesOf(m.registry.metrics(), 'authgate_ldap_pool_connections'), ['authgate_ldap_pool_connections{provider="corp-ad"}', 'authgate_ldap_pool_connections{provider="unknown"}']);
});

t.test('provider ids of an earlier configuration stay known after a reload adds others', async (t) => {
  const m = createMetrics();
  m.allowProviders(['old']);
  m.allowProviders(['new']);
  m.logins.inc({ provider: 'old', outcome: 'succeeded' });
  m.logins.inc({ provider: 'new', outcome: 'succeeded' });
  t.same(await seriesOf(m.registry.metrics(), 'authgate_logins_total'), ['authgate_logins_total{provider="old",outcome="succeeded"}', 'authgate_logins_total{provider="new",outcome="succeeded"}']);
});
