/** Prometheus metrics (prom-client), one registry per process. Names are part of the public surface. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { statusMetrics } from './status-metrics.ts';

export interface Metrics {
  registry: Registry;
  logins: Counter<'provider' | 'outcome'>;
  denials: Counter<'reason'>;
  websocketsActive: Gauge;
  websocketsTotal: Counter;
  sessionCache: Gauge<'result'>;
  refreshes: Counter<'provider' | 'outcome'>;
  ldapOperations: Histogram<'provider' | 'operation' | 'outcome'>;
  ldapPoolConnections: Gauge<'provider'>;
  sharedStoreDegraded: Gauge;
  /** Upstream responses that tried to set one of authgate's cookies (the cookies were dropped). */
  upstreamCookiesDropped: Counter;
  /** Where the session-cache gauge reads from (replaced when a reload builds a new session manager). */
  setSessionCacheStats(read: () => { hits: number; misses: number }): void;
  /** One answered request: authgate_http_requests_total and authgate_http_request_duration_seconds. */
  requestDone(status: number, seconds: number): void;
  /** authgate_upstream_duration_seconds for one forwarded request. */
  upstreamDone(status: number, seconds: number): void;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): Metrics {
  const registry = new Registry();
  let sessionCacheStats = () => ({ hits: 0, misses: 0 });
  collectDefaultMetrics({ register: registry, prefix: 'authgate_process_' });
  const sessionCache = new Gauge({
    name: 'authgate_session_cache_lookups',
    help: 'Decoded-session cache lookups since start, by result (hit or miss).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const stats = sessionCacheStats();
      this.set({ result: 'hit' }, stats.hits);
      this.set({ result: 'miss' }, stats.misses);
    },
  });
  const perRequest = statusMetrics(registry, BUCKETS);
  return {
    registry,
    requestDone: perRequest.requestDone,
    upstreamDone: perRequest.upstreamDone,
    logins: new Counter({ name: 'authgate_logins_total', help: 'Login attempts by provider and outcome.', labelNames: ['provider', 'outcome'] as const, registers: [registry] }),
    denials: new Counter({ name: 'authgate_denials_total', help: 'Requests refused, by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    websocketsActive: new Gauge({ name: 'authgate_websockets_active', help: 'WebSocket connections currently piped.', registers: [registry] }),
    websocketsTotal: new Counter({ name: 'authgate_websockets_total', help: 'WebSocket connections opened.', registers: [registry] }),
    sessionCache,
    refreshes: new Counter({ name: 'authgate_session_refreshes_total', help: 'Membership refreshes by provider and outcome.', labelNames: ['provider', 'outcome'] as const, registers: [registry] }),
    ldapOperations: new Histogram({ name: 'authgate_ldap_operation_duration_seconds', help: 'LDAP logins and refreshes by provider, operation and outcome.', labelNames: ['provider', 'operation', 'outcome'] as const, buckets: BUCKETS, registers: [registry] }),
    ldapPoolConnections: new Gauge({ name: 'authgate_ldap_pool_connections', help: 'LDAP connections open (service-account searches and user binds).', labelNames: ['provider'] as const, registers: [registry] }),
    sharedStoreDegraded: new Gauge({ name: 'authgate_shared_store_degraded', help: '1 while the Redis shared store is unreachable and this replica uses its own memory (revocations and throttling per replica).', registers: [registry] }),
    upstreamCookiesDropped: new Counter({ name: 'authgate_upstream_cookies_dropped_total', help: "Upstream responses (HTTP and WebSocket handshakes) whose Set-Cookie for one of authgate's own cookies was dropped.", registers: [registry] }),
    setSessionCacheStats(read) {
      sessionCacheStats = read;
    },
  };
}
