/**
 * Prometheus metrics (prom-client), one registry per process. Names are part of the public surface.
 * Every label value comes from a closed set: provider ids from the configuration, outcomes and
 * reasons from the lists below, denial reasons from the refusal codes (core/refusal.ts). A value
 * outside its set is counted as `unknown` (provider) or `other`, so no request can add a series
 * (each series is kept for the life of the process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REFUSAL_CODES } from '../core/index.ts';
import { statusMetrics } from './status-metrics.ts';

const LOGIN_OUTCOMES = ['succeeded', 'failed', 'throttled', 'error', 'not-permitted'] as const;
const REFRESH_OUTCOMES = ['ok', 'error', 'not-permitted', 'user-gone', 'account-disabled'] as const;
const LDAP_OPERATIONS = ['login', 'refresh'] as const;
const LDAP_OUTCOMES = ['ok', 'error'] as const;

/** The only methods callers use; label values are checked against their closed set first. */
interface BoundedCounter<L extends string> {
  inc(labels: Record<L, string>, value?: number): void;
}
interface BoundedGauge<L extends string> {
  set(labels: Record<L, string>, value: number): void;
}
interface BoundedHistogram<L extends string> {
  observe(labels: Record<L, string>, value: number): void;
}

export interface Metrics {
  registry: Registry;
  logins: BoundedCounter<'provider' | 'outcome'>;
  denials: BoundedCounter<'reason'>;
  websocketsActive: Gauge;
  websocketsTotal: Counter;
  sessionCache: Gauge<'result'>;
  refreshes: BoundedCounter<'provider' | 'outcome'>;
  ldapOperations: BoundedHistogram<'provider' | 'operation' | 'outcome'>;
  ldapPoolConnections: BoundedGauge<'provider'>;
  /** Adds configured provider ids to the `provider` label's set (ids of earlier configurations stay). */
  allowProviders(ids: readonly string[]): void;
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

/** `value` when it is in the set, else the fallback. */
function member(set: ReadonlySet<string>, value: string, fallback = 'other'): string {
  return set.has(value) ? value : fallback;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const providers = new Set<string>();
  const provider = (id: string) => member(providers, id, 'unknown');
  const loginOutcomes = new Set<string>(LOGIN_OUTCOMES);
  const refreshOutcomes = new Set<string>(REFRESH_OUTCOMES);
  const denialReasons = new Set<string>(REFUSAL_CODES);
  const ldapOperationNames = new Set<string>(LDAP_OPERATIONS);
  const ldapOutcomes = new Set<string>(LDAP_OUTCOMES);
  const logins = new Counter({ name: 'authgate_logins_total', help: 'Login attempts by provider and outcome.', labelNames: ['provider', 'outcome'] as const, registers: [registry] });
  const denials = new Counter({ name: 'authgate_denials_total', help: 'Requests refused, by reason.', labelNames: ['reason'] as const, registers: [registry] });
  const refreshes = new Counter({ name: 'authgate_session_refreshes_total', help: 'Membership refreshes by provider and outcome.', labelNames: ['provider', 'outcome'] as const, registers: [registry] });
  const ldapOperations = new Histogram({ name: 'authgate_ldap_operation_duration_seconds', help: 'LDAP logins and refreshes by provider, operation and outcome.', labelNames: ['provider', 'operation', 'outcome'] as const, buckets: BUCKETS, registers: [registry] });
  const ldapPoolConnections = new Gauge({ name: 'authgate_ldap_pool_connections', help: 'LDAP connections open (service-account searches and user binds).', labelNames: ['provider'] as const, registers: [registry] });
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
    logins: { inc: (l, v) => logins.inc({ provider: provider(l.provider), outcome: member(loginOutcomes, l.outcome) }, v) },
    denials: { inc: (l, v) => denials.inc({ reason: member(denialReasons, l.reason) }, v) },
    websocketsActive: new Gauge({ name: 'authgate_websockets_active', help: 'WebSocket connections currently piped.', registers: [registry] }),
    websocketsTotal: new Counter({ name: 'authgate_websockets_total', help: 'WebSocket connections opened.', registers: [registry] }),
    sessionCache,
    refreshes: { inc: (l, v) => refreshes.inc({ provider: provider(l.provider), outcome: member(refreshOutcomes, l.outcome) }, v) },
    ldapOperations: {
      observe: (l, v) => ldapOperations.observe({ provider: provider(l.provider), operation: member(ldapOperationNames, l.operation), outcome: member(ldapOutcomes, l.outcome) }, v),
    },
    ldapPoolConnections: { set: (l, v) => ldapPoolConnections.set({ provider: provider(l.provider) }, v) },
    allowProviders(ids) {
      for (const id of ids) providers.add(id);
    },
    sharedStoreDegraded: new Gauge({ name: 'authgate_shared_store_degraded', help: '1 while the Redis shared store is unreachable and this replica uses its own memory (revocations and throttling per replica).', registers: [registry] }),
    upstreamCookiesDropped: new Counter({ name: 'authgate_upstream_cookies_dropped_total', help: "Upstream responses (HTTP and WebSocket handshakes) whose Set-Cookie for one of authgate's own cookies was dropped.", registers: [registry] }),
    setSessionCacheStats(read) {
      sessionCacheStats = read;
    },
  };
}
