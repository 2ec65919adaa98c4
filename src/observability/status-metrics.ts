/**
 * The per-request metrics (requests by status class, request and upstream durations), counted in
 * plain arrays: a request costs a few array increments. The request counter is prom-client's own
 * Counter, brought up to the plain counts when the registry is scraped (`collect`). The two
 * histograms implement the small interface prom-client's Registry reads (name, help, type,
 * aggregator, get(), reset()) themselves: prom-client 15 has no public way to add to a histogram
 * other than `observe()`, which validates and hashes the label object on every call. Measured
 * (Node 24, 2 M simulated requests of one count and two observations each, 3 rounds on the shared
 * 2-core machine): prom-client 1.2–2.8 µs per request (1.7–2.1 µs with children pre-bound by
 * `labels()`), these arrays 0.04–0.37 µs; ≈ 2–5 % of a proxied request's ≈ 50 µs CPU (the first
 * benchmark profile showed ≈ 2 %). test/unit/observability/status-metrics.test.ts checks that the
 * exposition is byte for byte what prom-client's own Counter and Histograms print for the same
 * requests, so a prom-client upgrade that changes what the Registry reads fails there.
 */
import { Counter, type Registry } from 'prom-client';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** 1xx–5xx; a status outside 100–599 (a broken upstream) counts as 5xx. */
function classIndex(status: number): number {
  const i = Math.floor(status / 100) - 1;
  return i >= 0 && i < CLASSES.length ? i : CLASSES.length - 1;
}

interface MetricValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What prom-client's Registry reads from a registered metric (Registry.getMetricsAsString and getMetricsAsJSON). */
interface RegistryMetric {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValue[] };
  reset(): void;
}

class ClassHistogram implements RegistryMetric {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #bounds: readonly number[];
  /** Per class: a count per bucket (not cumulative; the last one is +Inf), then sum and count. */
  #buckets: number[][];
  #sums: number[];
  #counts: number[];

  readonly name: string;
  readonly help: string;

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#buckets = CLASSES.map(() => new Array<number>(bounds.length + 1).fill(0));
    this.#sums = new Array<number>(CLASSES.length).fill(0);
    this.#counts = new Array<number>(CLASSES.length).fill(0);
  }

  observe(index: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let b = 0;
    while (b < this.#bounds.length && seconds > (this.#bounds[b] as number)) b++;
    const buckets = this.#buckets[index] as number[];
    buckets[b] = (buckets[b] as number) + 1;
    this.#sums[index] = (this.#sums[index] as number) + seconds;
    this.#counts[index] = (this.#counts[index] as number) + 1;
  }

  get() {
    const values: MetricValue[] = [];
    CLASSES.forEach((cls, i) => {
      if (!this.#counts[i]) return;
      const buckets = this.#buckets[i] as number[];
      let cumulative = 0;
      this.#bounds.forEach((le, b) => {
        cumulative += buckets[b] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, status_class: cls }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', status_class: cls }, value: this.#counts[i] as number });
      values.push({ metricName: `${this.name}_sum`, labels: { status_class: cls }, value: this.#sums[i] as number });
      values.push({ metricName: `${this.name}_count`, labels: { status_class: cls }, value: this.#counts[i] as number });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const buckets of this.#buckets) buckets.fill(0);
    this.#sums.fill(0);
    this.#counts.fill(0);
  }
}

export interface StatusMetrics {
  requestDone(status: number, seconds: number): void;
  upstreamDone(status: number, seconds: number): void;
}

export function statusMetrics(registry: Registry, buckets: readonly number[]): StatusMetrics {
  const counts = new Array<number>(CLASSES.length).fill(0);
  new Counter({
    name: 'authgate_http_requests_total',
    help: 'Requests answered, by status class.',
    labelNames: ['status_class'] as const,
    registers: [registry],
    // At scrape time the Counter is set to the plain counts (series in class order, classes never seen left out).
    collect() {
      this.reset();
      CLASSES.forEach((cls, i) => {
        if (counts[i]) this.inc({ status_class: cls }, counts[i]);
      });
    },
  });
  const requestDuration = new ClassHistogram('authgate_http_request_duration_seconds', 'Time from request to response end.', buckets);
  const upstreamDuration = new ClassHistogram('authgate_upstream_duration_seconds', 'Time spent waiting for and streaming the upstream response.', buckets);
  // registerMetric is typed for prom-client's own classes; the Registry only calls name, get() and reset().
  for (const metric of [requestDuration, upstreamDuration]) registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  return {
    requestDone(status, seconds) {
      const i = classIndex(status);
      counts[i] = (counts[i] as number) + 1;
      requestDuration.observe(i, seconds);
    },
    upstreamDone(status, seconds) {
      upstreamDuration.observe(classIndex(status), seconds);
    },
  };
}
