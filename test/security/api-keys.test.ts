/**
 * API keys (`upstream.passApiKeys`) must not skip the rules. Before the fix, any request with
 * `Authorization: Key <anything>` or an `X-Auth-Token` header and no session turned every
 * "unauthenticated" verdict into a pass, on HTTP and WebSocket: deny rules, source rules, group
 * rules and `defaultAction: deny` were all skipped. Now an API key is a principal of its own
 * (no user, role or groups) that only a rule with `apiKeys: true` admits.
 */
import t from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, rawGet, statusOf, valuesOf, waitFor } from './support.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;
let bob: string;

const KEYS: Array<[string, string]> = [
  ['Authorization: Key', 'Authorization: Key abc123'],
  ['X-Auth-Token', 'X-Auth-Token: tok-123'],
];

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url, profile: 'connect', passApiKeys: true },
      audit: { requests: true },
      authorization: {
        defaultAction: 'deny',
        rules: [
          { name: 'no-admin-api', paths: ['/__api__/v1/admin/**'], action: 'deny' },
          { name: 'viewers-read-only', paths: ['/__api__/**'], methods: ['POST', 'PUT', 'PATCH', 'DELETE'], roles: ['viewer'], action: 'deny' },
          { name: 'bundles-from-the-office', paths: ['/__api__/v1/bundles/**'], sources: ['192.0.2.0/24'], apiKeys: true, action: 'allow' },
          { name: 'no-bundles-elsewhere', paths: ['/__api__/v1/bundles/**'], action: 'deny' },
          { name: 'no-api-websocket', paths: ['/__api__/**'], websocket: 'only', action: 'deny' },
          { name: 'connect-api-keys', paths: ['/__api__/**'], apiKeys: true, action: 'allow' },
          { name: 'keyed-websocket', paths: ['/keyed-ws/**'], websocket: 'only', apiKeys: true, action: 'allow' },
          { name: 'members-only', paths: ['/private/**'], groups: ['rstudio-users'], action: 'allow' },
          { name: 'signed-in', paths: ['/app/**'], action: 'allow' },
        ],
      },
    },
  });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

let counter = 0;
const forwarded = (path: string) => upstream.received.some((r) => r.url === path);
type AuditLine = { event: string; reason?: string; rule?: string; path?: string; subject?: unknown; detail?: { principal?: string } };
const auditFor = (event: string, path: string): AuditLine | undefined =>
  ag.audit.map((l) => JSON.parse(l) as AuditLine).findLast((e) => e.event === event && e.path === path);

const refusals: Array<{ name: string; method: string; path: string; status: number; code: string; rule?: string }> = [
  { name: 'a deny rule applies to API keys', method: 'GET', path: '/__api__/v1/admin/users', status: 403, code: 'path-denied', rule: 'no-admin-api' },
  { name: 'a sources rule applies to API keys (client outside 192.0.2.0/24)', method: 'POST', path: '/__api__/v1/bundles/b1', status: 403, code: 'path-denied', rule: 'no-bundles-elsewhere' },
  { name: 'a group rule never matches an API key', method: 'GET', path: '/private/report', status: 401, code: 'unauthenticated' },
  { name: 'an allow rule without apiKeys does not admit an API key', method: 'GET', path: '/app/home', status: 401, code: 'unauthenticated', rule: 'signed-in' },
  { name: 'defaultAction deny: an unmatched API key is refused like an anonymous request', method: 'GET', path: '/content/abc/', status: 401, code: 'unauthenticated' },
];

for (const c of refusals) {
  t.test(`HTTP: ${c.name}`, async (t) => {
    for (const [keyName, keyLine] of KEYS) {
      const path = `${c.path}?n=${++counter}`;
      const answer = await exchange(ag, rawGet(path, [keyLine, 'Accept: application/json'], c.method));
      t.equal(statusOf(answer), c.status, `${keyName}: ${c.status}`);
      t.match(answer, `"error":"${c.code}"`, `${keyName}: error ${c.code}`);
      t.notOk(forwarded(path), `${keyName}: the upstream never saw it`);
      const denied = auditFor('authz.denied', c.path);
      t.match(denied, { reason: c.code, detail: { principal: 'api-key' } }, `${keyName}: authz.denied names the API-key principal`);
      t.equal(denied?.subject, undefined, 'no user in the audit event');
      if (c.rule) t.equal(denied?.rule, c.rule);
    }
  });
}

t.test('HTTP: an empty X-Auth-Token is no API key', async (t) => {
  const path = `/__api__/v1/content?n=${++counter}`;
  const answer = await exchange(ag, rawGet(path, ['X-Auth-Token:', 'Accept: application/json']));
  t.equal(statusOf(answer), 401);
  t.notOk(forwarded(path));
});

t.test('HTTP: the explicit rule admits API keys, visible as such in the access log and audit', async (t) => {
  for (const [keyName, keyLine] of KEYS) {
    const path = `/__api__/v1/content/${++counter}`;
    const answer = await exchange(ag, rawGet(path, [keyLine, 'Accept: application/json'], 'DELETE'));
    t.equal(statusOf(answer), 200, `${keyName}: 200 (viewers-read-only names a role and never matches a key)`);
    const seen = upstream.received.findLast((r) => r.url === path);
    t.ok(seen, 'forwarded');
    if (seen) t.same(valuesOf(seen, 'x-auth-username'), [], 'no identity headers for an API key');
    t.ok(await waitFor(() => ag.logs.some((l) => l.includes(`"path":"${path}"`))), 'access log line written');
    const line = JSON.parse(ag.logs.findLast((l) => l.includes(`"path":"${path}"`)) ?? '{}') as { principal?: string; status?: number };
    t.match(line, { principal: 'api-key', status: 200 }, 'the access log names the API-key principal');
    t.ok(await waitFor(() => auditFor('request.completed', path) !== undefined));
    t.match(auditFor('request.completed', path), { detail: { principal: 'api-key' }, status: 200 }, 'request.completed names the API-key principal');
  }
});

t.test('HTTP: a session wins over a key header (judged as the user)', async (t) => {
  const path = `/__api__/v1/content/${++counter}`;
  const answer = await exchange(ag, rawGet(path, [`Cookie: ${bob}`, 'Authorization: Key abc123', 'Accept: application/json'], 'POST'));
  t.equal(statusOf(answer), 403, 'bob is a viewer');
  t.match(auditFor('authz.denied', path), { rule: 'viewers-read-only', subject: { username: 'bob' } });
  t.equal(auditFor('authz.denied', path)?.detail, undefined, 'not an API-key principal');
});

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
function upgrade(path: string, lines: string[]): string {
  return [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${WS_KEY}`, 'Sec-WebSocket-Version: 13', ...lines, '', ''].join('\r\n');
}

const upgrades: Array<{ name: string; path: string; status: number }> = [
  { name: 'a deny rule (websocket: only) applies to API keys', path: '/__api__/v1/socket', status: 403 },
  { name: 'a group rule never matches an API key', path: '/private/ws', status: 401 },
  { name: 'an unmatched API key is refused (defaultAction deny)', path: '/content/abc/websocket/', status: 401 },
];

for (const c of upgrades) {
  t.test(`WebSocket: ${c.name}`, async (t) => {
    for (const [keyName, keyLine] of KEYS) {
      const path = `${c.path}?n=${++counter}`;
      const answer = await exchange(ag, upgrade(path, [keyLine]), { until: /\r\n\r\n/ });
      t.equal(statusOf(answer), c.status, `${keyName}: ${c.status}`);
      t.notOk(upstream.upgrades.some((u) => u.url === path), `${keyName}: never reached the upstream`);
      t.match(auditFor('authz.denied', c.path), { detail: { principal: 'api-key' } });
    }
  });
}

t.test('WebSocket: a rule with apiKeys: true admits the upgrade', async (t) => {
  for (const [keyName, keyLine] of KEYS) {
    const path = `/keyed-ws/${++counter}`;
    const answer = await exchange(ag, upgrade(path, [keyLine]), { until: /\r\n\r\n/ });
    t.equal(statusOf(answer), 101, keyName);
    t.ok(await waitFor(() => upstream.upgrades.some((u) => u.url === path)), 'the upstream saw the upgrade');
    t.ok(await waitFor(() => ag.logs.some((l) => l.includes(`"path":"${path}"`) && l.includes('"principal":"api-key"'))), 'the access log names the API-key principal');
  }
});
