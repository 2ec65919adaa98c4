/** Audit events, Prometheus metrics, reload under load, the redirect and metrics listeners, and secrets kept out of every log line. */
import t from 'tap';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startAuthgate, fetchText, login, freePort, SECRET_A } from '../../support/authgate.ts';
import { startUpstream } from '../../support/upstream.ts';

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Parses Prometheus text format into `name{labels}` -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

t.test('audit events, metrics, denials and secrets', async (t) => {
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const metricsPort = await freePort();
  const redirectPort = await freePort();
  const ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      listen: { address: '127.0.0.1', port: 0, httpRedirectPort: redirectPort },
      metrics: { enabled: true, port: metricsPort, address: '127.0.0.1' },
      network: { deny: ['10.9.0.0/16'], trustedProxies: ['127.0.0.1'] },
      audit: { requests: true },
      authorization: { rules: [{ name: 'no-admin-for-viewers', paths: ['/admin/**'], roles: ['viewer'], action: 'deny' }] },
    },
  });
  t.teardown(() => ag.stop());

  const alice = await login(ag, 'alice', 'alice-Passw0rd!');
  const bob = await login(ag, 'bob', 'bob-Passw0rd!');
  await login(ag, 'bob', 'not-bobs-password');
  await fetchText(ag, '/app', { headers: { cookie: alice.cookie! } });
  const denied = await fetchText(ag, '/admin/users', { headers: { cookie: bob.cookie!, accept: 'application/json' } });
  t.equal(denied.status, 403);
  t.same(JSON.parse(denied.body), { error: 'path-denied-for-role', message: 'Access denied by rule "no-admin-for-viewers".' });
  const deniedPage = await fetchText(ag, '/admin/users', { headers: { cookie: bob.cookie!, accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
  t.match(deniedPage.body, /no-admin-for-viewers/);
  await fetchText(ag, '/app', { headers: { 'x-forwarded-for': '10.9.1.1' } });
  const logoutPage = await fetchText(ag, '/__authgate__/logout', { headers: { cookie: alice.cookie! } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(logoutPage.body)![1]!;
  await fetchText(ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: alice.cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}` });

  const events = ag.audit.map((l) => JSON.parse(l) as { event: string; reason?: string; rule?: string; subject?: { username?: string; typedUsername?: string; verified?: boolean }; path?: string; method?: string; clientIp?: string });
  const find = (event: string, extra: (e: (typeof events)[number]) => boolean = () => true) => events.find((e) => e.event === event && extra(e));
  t.ok(find('server.started'));
  t.ok(find('auth.login.succeeded', (e) => e.subject?.username === 'alice'));
  t.ok(find('auth.login.failed', (e) => e.subject?.typedUsername === 'bob' && e.subject.verified === false && e.reason === 'bad-credentials'), 'a failed login records what was typed, flagged unverified');
  t.match(find('authz.denied'), { rule: 'no-admin-for-viewers', reason: 'path-denied-for-role', method: 'GET', path: '/admin/users', subject: { username: 'bob' } });
  t.match(find('net.ip.refused'), { clientIp: '10.9.1.1', reason: 'ip-denied' });
  t.match(find('request.completed', (e) => e.path === '/app'), { method: 'GET', subject: { username: 'alice' } });
  t.ok(find('auth.logout', (e) => e.subject?.username === 'alice'));
  for (const line of ag.audit) t.equal(JSON.parse(line).type, 'audit');

  const scraped = await get(`http://127.0.0.1:${metricsPort}/metrics`);
  t.equal(scraped.status, 200);
  const m = parseMetrics(scraped.body);
  t.ok((m.get('authgate_logins_total{provider="local-accounts",outcome="succeeded"}') ?? 0) >= 2, 'logins by provider and outcome');
  t.ok((m.get('authgate_logins_total{provider="local-accounts",outcome="failed"}') ?? 0) >= 1);
  t.ok((m.get('authgate_denials_total{reason="path-denied-for-role"}') ?? 0) >= 2);
  t.ok((m.get('authgate_denials_total{reason="ip-denied"}') ?? 0) >= 1);
  t.ok((m.get('authgate_http_requests_total{status_class="2xx"}') ?? 0) >= 1);
  t.ok(m.has('authgate_http_request_duration_seconds_bucket{le="0.005",status_class="2xx"}'));
  t.ok(m.has('authgate_upstream_duration_seconds_count{status_class="2xx"}'));
  t.ok(m.has('authgate_session_cache_lookups{result="hit"}'));
  t.ok(m.has('authgate_websockets_active'));
  t.equal((await fetchText(ag, '/__authgate__/metrics')).status, 404, 'with metrics.port the public port does not expose metrics');
  t.equal(m.get('authgate_shared_store_degraded'), 0, 'memory store: never degraded');
  t.equal((await get(`http://127.0.0.1:${metricsPort}/healthz`)).body, 'ok\n', 'probes work on the metrics port, outside network.allow');
  t.equal(JSON.parse((await get(`http://127.0.0.1:${metricsPort}/readyz`)).body).ready, true);

  const redirect = await get(`http://127.0.0.1:${redirectPort}/some/path?q=1`);
  t.equal(redirect.status, 308);
  t.equal(redirect.headers.location, 'https://localhost/some/path?q=1');

  const secrets = ['alice-Passw0rd!', 'bob-Passw0rd!', 'not-bobs-password', SECRET_A, alice.cookie!.split('=')[1]!, bob.cookie!.split('=')[1]!, csrf];
  const everything = [...ag.audit, ...ag.logs].join('\n');
  for (const secret of secrets) t.notOk(everything.includes(secret), `never logged: ${secret.slice(0, 12)}…`);
  const assertion = String(upstream.received.find((r) => r.headers['x-authgate-assertion'])?.headers['x-authgate-assertion']);
  t.notOk(everything.includes(assertion.slice(20, 80)), 'the assertion is never logged');
});

t.test('a configuration reload keeps listeners, sessions and open WebSockets; an invalid file is refused', async (t) => {
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const ag = await startAuthgate({ config: { upstream: { url: upstream.url } } });
  t.teardown(() => ag.stop());
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  const ws = new WebSocket(`wss://localhost:${ag.port}/ws`, { ca: ag.cert.ca, headers: { cookie: cookie! } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const original = readFileSync(ag.configFile, 'utf8');

  let stop = false;
  let failures = 0;
  let served = 0;
  const load = (async () => {
    while (!stop) {
      const r = await fetchText(ag, '/under-load', { headers: { cookie: cookie! } });
      if (r.status === 200) served++;
      else failures++;
    }
  })();

  writeFileSync(ag.configFile, `${original}\nnot: [valid\n`);
  const bad = await ag.app.reload();
  t.notOk(bad.ok);
  t.match(bad.message, /yaml|not/i);
  writeFileSync(ag.configFile, original.replace('authorization:', 'authorization:\n  defaultAction: allow\n').replace(/^publicUrl: .*$/m, 'publicUrl: https://localhost'));
  const good = await ag.app.reload();
  t.ok(good.ok, good.message);
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await load;
  t.equal(failures, 0, `no request failed during the reloads (${served} served)`);
  t.ok(ag.audit.some((l) => l.includes('"config.reload.failed"')));
  t.ok(ag.audit.some((l) => l.includes('"config.reloaded"')));

  const echoed = await new Promise<string>((resolve) => {
    ws.once('message', (m) => resolve(String(m)));
    ws.send('still here');
  });
  t.equal(echoed, 'still here', 'the WebSocket opened before the reload still works');
  t.equal((await fetchText(ag, '/after', { headers: { cookie: cookie! } })).status, 200, 'the session survived the reload');
  ws.close();
});
