import t from 'tap';
import { Counter, Histogram, Registry } from 'prom-client';
import { statusMetrics } from '../../../src/observability/status-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

/** The same series written with prom-client's own Counter and Histograms: the oracle for the exposition format. */
function promClientOracle() {
  const registry = new Registry();
  const labelNames = ['status_class'] as const;
  const requests = new Counter({ name: 'authgate_http_requests_total', help: 'Requests answered, by status class.', labelNames, registers: [registry] });
  const requestDuration = new Histogram({ name: 'authgate_http_request_duration_seconds', help: 'Time from request to response end.', labelNames, buckets: BUCKETS, registers: [registry] });
  const upstreamDuration = new Histogram({ name: 'authgate_upstream_duration_seconds', help: 'Time spent waiting for and streaming the upstream response.', labelNames, buckets: BUCKETS, registers: [registry] });
  return {
    registry,
    requestDone(statusClass: string, seconds: number) {
      requests.inc({ status_class: statusClass });
      requestDuration.observe({ status_class: statusClass }, seconds);
    },
    upstreamDone(statusClass: string, seconds: number) {
      upstreamDuration.observe({ status_class: statusClass }, seconds);
    },
  };
}

// Status, its class as written out by hand, duration (bucket edges included). Classes first seen in
// ascending order, so prom-client's series order (first seen) is the class order statusMetrics prints.
const REQUESTS: Array<[number, string, number]> = [
  [101, '1xx', 0.0004],
  [200, '2xx', 0.001],
  [204, '2xx', 0.02],
  [200, '2xx', 11],
  [302, '3xx', 0.1],
  [404, '4xx', 0.0099],
  [503, '5xx', 1],
  [700, '5xx', 3], // a broken upstream's status counts as 5xx
  [42, '5xx', 0.5],
];

t.test('the exposition is what prom-client itself prints for the same requests', async (t) => {
  const registry = new Registry();
  const ours = statusMetrics(registry, BUCKETS);
  const oracle = promClientOracle();
  for (const [status, statusClass, seconds] of REQUESTS) {
    ours.requestDone(status, seconds);
    ours.upstreamDone(status, seconds / 2);
    oracle.requestDone(statusClass, seconds);
    oracle.upstreamDone(statusClass, seconds / 2);
  }
  t.equal(await registry.metrics(), await oracle.registry.metrics());
  // A second scrape after more requests: the counter is set again from the plain counts, not added twice.
  ours.requestDone(200, 0.05);
  oracle.requestDone('2xx', 0.05);
  t.equal(await registry.metrics(), await oracle.registry.metrics());
});

t.test('no request yet: no series, only HELP and TYPE', async (t) => {
  const registry = new Registry();
  statusMetrics(registry, BUCKETS);
  t.equal(await registry.metrics(), await promClientOracle().registry.metrics());
});

t.test('a non-finite duration counts the request but is not observed', async (t) => {
  const registry = new Registry();
  const ours = statusMetrics(registry, BUCKETS);
  ours.requestDone(200, Number.NaN);
  ours.upstreamDone(200, Number.POSITIVE_INFINITY);
  const text = await registry.metrics();
  t.match(text, /^authgate_http_requests_total\{status_class="2xx"\} 1$/m);
  t.notMatch(text, /^authgate_http_request_duration_seconds_count/m);
  t.notMatch(text, /^authgate_upstream_duration_seconds_count/m);
});
