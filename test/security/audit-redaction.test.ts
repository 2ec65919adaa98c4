/**
 * What the audit trail must not keep (issue 16): query-string values (tokens travel in URLs)
 * in `request.completed` and every other event with a path, unless `audit.logQueryValues` asks
 * for them; and what a client typed as a username (sometimes a password in the wrong field)
 * beyond 64 characters, or as if it were a verified name. Real sockets, the audit lines as
 * authgate wrote them.
 */
import t, { type Test } from 'tap';
import { startAuthgate, fetchText, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

interface AuditLine {
  event: string;
  path?: string;
  reason?: string;
  subject?: Record<string, unknown>;
}

let upstream: TestUpstream;
t.before(async () => {
  upstream = await startUpstream();
});
t.teardown(() => upstream.close());

async function authgate(t: Test, audit: Record<string, unknown>): Promise<TestAuthgate> {
  const ag = await startAuthgate({
    config: { upstream: { url: upstream.url }, audit: { requests: true, ...audit }, network: { trustedProxies: ['127.0.0.1'], deny: ['10.9.0.0/16'] }, logging: { accessLog: true } },
  });
  t.teardown(() => ag.stop());
  return ag;
}

const events = (ag: TestAuthgate) => ag.audit.map((l) => JSON.parse(l) as AuditLine);
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig';
const TARGET = `/app/report?access_token=${TOKEN}&page=2&${TOKEN}-bare&empty=`;

t.test('request.completed and net.ip.refused keep parameter names, not values', async (t) => {
  const ag = await authgate(t, {});
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  t.equal((await fetchText(ag, TARGET, { headers: { cookie: cookie! } })).status, 200);
  t.equal((await fetchText(ag, `/denied?api_key=${TOKEN}`, { headers: { 'x-forwarded-for': '10.9.0.1' } })).status, 403);
  const completed = events(ag).find((e) => e.event === 'request.completed' && e.path?.startsWith('/app/report'));
  t.equal(completed?.path, '/app/report?access_token=[redacted]&page=[redacted]&[redacted]&empty=[redacted]');
  const refused = events(ag).find((e) => e.event === 'net.ip.refused');
  t.equal(refused?.path, '/denied?api_key=[redacted]');
  t.notOk(ag.audit.join('\n').includes('c2VjcmV0LXRva2VuLXZhbHVl'), 'the token is nowhere in the audit output');
  const access = ag.logs.map((l) => JSON.parse(l) as { msg: string; path?: string }).filter((l) => l.msg === 'request');
  t.ok(access.some((l) => l.path === '/app/report'), 'the access log has the path without its query');
  t.notOk(ag.logs.join('\n').includes('c2VjcmV0LXRva2VuLXZhbHVl'), 'nor in the log');
});

t.test('audit.logQueryValues: true records them as sent', async (t) => {
  const ag = await authgate(t, { logQueryValues: true });
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  await fetchText(ag, TARGET, { headers: { cookie: cookie! } });
  t.equal(events(ag).find((e) => e.event === 'request.completed' && e.path?.startsWith('/app/report'))?.path, TARGET);
});

t.test('auth.login.failed: what was typed is capped, cleaned and flagged unverified', async (t) => {
  const ag = await authgate(t, {});
  const passwordInUsernameField = `Correct-Horse-Battery-Staple-${'x'.repeat(80)}-2026!`;
  const cases: Array<{ typed: string; expected: string }> = [
    { typed: 'bob', expected: 'bob' },
    { typed: passwordInUsernameField, expected: passwordInUsernameField.slice(0, 64) },
    { typed: 'mallory\u202e\u0007evil', expected: 'malloryevil' },
    { typed: `${'é'.repeat(70)}`, expected: 'é'.repeat(64) },
  ];
  for (const c of cases) {
    const from = ag.audit.length;
    t.equal((await login(ag, c.typed, 'wrong-password')).response.status, 401, JSON.stringify(c.typed.slice(0, 20)));
    const failed = events(ag)
      .slice(from)
      .find((e) => e.event === 'auth.login.failed');
    t.same(failed?.subject, { typedUsername: c.expected, verified: false }, `recorded as ${JSON.stringify(c.expected.slice(0, 20))}…`);
  }
  t.notOk(ag.audit.join('\n').includes(passwordInUsernameField), 'the whole of a password typed as a username is not kept');
  t.notOk(ag.audit.some((l) => (JSON.parse(l) as AuditLine).subject?.username === 'bob' && (JSON.parse(l) as AuditLine).event === 'auth.login.failed'), 'never as subject.username');
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  t.ok(cookie);
  t.match(events(ag).find((e) => e.event === 'auth.login.succeeded')?.subject, { username: 'alice', uniqueId: 'local-accounts:alice' }, 'a verified login names the directory account');
});
