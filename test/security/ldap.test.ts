/**
 * Hostile LDAP logins through authgate's login form against a real slapd: filter and DN
 * injection (with the right password, so a working injection would log in), empty and
 * whitespace passwords, 10 kB inputs, non-UTF-8 bytes. Each is a 401 (never a session,
 * never a 500) and nothing reaches the upstream.
 */
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthgate, fetchText, login, cookiePair, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { startSlapd, type Slapd } from '../support/slapd.ts';
import { exchange, statusOf } from './support.ts';

let slapd: Slapd;
let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  slapd = await startSlapd();
  upstream = await startUpstream();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-sec-ldap-'));
  writeFileSync(path.join(dir, 'bind-password'), `${slapd.bindPassword}\n`, { mode: 0o600 });
  const common = {
    type: 'ldap',
    serverAddress: [slapd.ldapsUrl],
    tlsCACertificate: slapd.caFile,
    userSearchBaseDN: `ou=Users,${slapd.baseDN}`,
    userObjectClass: 'inetOrgPerson',
    uniqueIdAttribute: 'entryUUID',
    usernameAttribute: 'uid',
    userEmailAttribute: 'mail',
  };
  ag = await startAuthgate({
    dir,
    config: {
      upstream: { url: upstream.url },
      auth: {
        providers: [
          { ...common, id: 'corp', name: 'Double bind', bindDN: slapd.bindDN, bindPasswordFile: path.join(dir, 'bind-password'), groupSearchBaseDN: `ou=Groups,${slapd.baseDN}`, groupObjectClass: 'groupOfNames' },
          { ...common, id: 'single', name: 'Single bind', userBindTemplate: `uid={username},ou=Users,${slapd.baseDN}` },
        ],
        throttle: { maxFailuresPerUser: 1000, maxFailuresPerIp: 10_000 },
      },
    },
  });
});
t.teardown(async () => {
  await ag?.stop();
  await upstream?.close();
  await slapd?.stop();
});

const FILTER_INJECTION = ['*', 'a*', '*)(uid=*', '*)(|(uid=*', 'alice)(uid=*', 'alice)(|(uid=*)', 'admin)(&)', 'alice)(&)', 'alice)(!(uid=x)', '*)(objectClass=*', 'alice\\2a', '\\2a', 'al\\69ce', 'alice\\00', 'alice\u0000', '\\00', '*\\00', 'alice)', '(alice', 'alice))(|(uid=bob', '|(uid=alice)', 'alice*', '*lice'];
const DN_INJECTION = ['alice,ou=Users', `alice,ou=Users,dc=example,dc=com`, 'alice+cn=x', 'alice"', '"alice"', 'alice\\', '\\alice', '<alice>', 'alice;', 'alice=', '=alice', 'uid=alice', '#alice', 'alice\\,x', 'cn=admin,dc=example,dc=com'];

/** Logs in, in batches to keep the throttle's backoff delays overlapping. */
async function attempts(provider: string, usernames: string[], password: string): Promise<Array<{ username: string; status: number; cookie?: string }>> {
  const out: Array<{ username: string; status: number; cookie?: string }> = [];
  for (let i = 0; i < usernames.length; i += 8) {
    const batch = usernames.slice(i, i + 8);
    out.push(...(await Promise.all(batch.map(async (username) => {
      const { response, cookie } = await login(ag, username, password, { provider });
      return { username, status: response.status, ...(cookie ? { cookie } : {}) };
    }))));
  }
  return out;
}

t.test('control: the right username and password log in with both providers', async (t) => {
  for (const provider of ['corp', 'single']) {
    const { response, cookie } = await login(ag, 'alice', slapd.userPassword, { provider });
    t.equal(response.status, 302, `${provider}: ${response.body.slice(0, 200)}`);
    t.ok(cookie);
  }
});

for (const provider of ['corp', 'single']) {
  t.test(`${provider}: filter and DN injection with the right password never logs in`, async (t) => {
    const before = upstream.received.length;
    for (const r of await attempts(provider, [...FILTER_INJECTION, ...DN_INJECTION], slapd.userPassword)) {
      t.equal(r.status, 401, `${JSON.stringify(r.username)} refused`);
      t.notOk(r.cookie, 'no session');
    }
    t.equal(upstream.received.length, before, 'nothing reached the upstream');
  });
}

t.test('empty and whitespace passwords are refused for real users', async (t) => {
  const passwords = ['', ' ', '   ', '\t', '\n', '\r\n', '\u00a0', '\u2003', ' \t '];
  // In parallel: each failure for the same user adds a growing delay (throttle backoff).
  const results = await Promise.all(
    ['corp', 'single'].flatMap((provider) => passwords.map(async (password) => ({ provider, password, ...(await login(ag, 'alice', password, { provider })) }))),
  );
  for (const { provider, password, response, cookie } of results) {
    // U+00A0 and U+2003 are not blank to trim(); the directory refuses them as wrong passwords.
    t.equal(response.status, 401, `${provider}: ${JSON.stringify(password)}`);
    t.notOk(cookie);
  }
  t.ok(ag.audit.some((l) => l.includes('"empty-credentials"')), 'blank passwords are audited as such');
});

t.test('10 kB usernames and passwords: refused quickly, no 500', async (t) => {
  const long = 'a'.repeat(10_240);
  const cases: Array<[string, string, string]> = [
    ['long username', long, slapd.userPassword],
    ['long username of special characters', '*)('.repeat(3414), slapd.userPassword],
    ['long password', 'alice', long],
    ['long password with the real one as prefix', 'alice', slapd.userPassword + long],
    ['both long', long, long],
  ];
  const results = await Promise.all(
    ['corp', 'single'].flatMap((provider) =>
      cases.map(async ([name, username, password]) => {
        const started = Date.now();
        const { response, cookie } = await login(ag, username, password, { provider });
        return { provider, name, response, cookie, ms: Date.now() - started };
      }),
    ),
  );
  for (const { provider, name, response, cookie, ms } of results) {
    t.ok([401, 413].includes(response.status), `${provider}, ${name}: ${response.status}`);
    t.notOk(cookie);
    t.ok(ms < 5000, `answered in ${ms} ms`);
  }
});

t.test('non-UTF-8 bytes in the form body: no session, no 500', async (t) => {
  const page = await fetchText(ag, '/__authgate__/login');
  const csrfCookie = cookiePair(page.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!);
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const bodies: Array<[string, Buffer]> = [
    ['raw 0xFF in the username', Buffer.concat([Buffer.from('provider=corp&username=ali'), Buffer.from([0xff, 0xfe]), Buffer.from(`ce&password=${slapd.userPassword}&csrf=${token}&rd=/`)])],
    ['overlong UTF-8 in the username', Buffer.concat([Buffer.from('provider=corp&username='), Buffer.from([0xc0, 0xaa]), Buffer.from(`&password=${slapd.userPassword}&csrf=${token}`)])],
    ['percent-encoded invalid UTF-8', Buffer.from(`provider=corp&username=alice%FF&password=${slapd.userPassword}&csrf=${token}`)],
    ['percent-encoded NUL', Buffer.from(`provider=single&username=alice%00&password=${slapd.userPassword}&csrf=${token}`)],
    ['lone surrogate, percent-encoded', Buffer.from(`provider=corp&username=%ED%A0%80&password=${slapd.userPassword}&csrf=${token}`)],
    ['invalid bytes in the password', Buffer.concat([Buffer.from(`provider=corp&username=alice&password=`), Buffer.from([0x80, 0x81, 0xff]), Buffer.from(`&csrf=${token}`)])],
    ['Latin-1 password of a UTF-8 user', Buffer.concat([Buffer.from('provider=corp&username=zo'), Buffer.from([0xeb]), Buffer.from(`&password=${slapd.userPassword}&csrf=${token}`)])],
    ['broken percent escapes', Buffer.from(`provider=corp&username=%%41lice&password=%zz&csrf=${token}`)],
  ];
  const answers = await Promise.all(
    bodies.map(([, body]) => {
      const head = `POST /__authgate__/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nCookie: ${csrfCookie}\r\nOrigin: ${ag.origin}\r\nConnection: close\r\n\r\n`;
      return exchange(ag, Buffer.concat([Buffer.from(head), body]), { timeoutMs: 8000 });
    }),
  );
  bodies.forEach(([name], i) => {
    t.equal(statusOf(answers[i] as string), 401, name);
    t.notMatch(answers[i] as string, /set-cookie: __Host-authgate=[^;]/i, 'no session cookie');
  });
  const unicode = await login(ag, 'zoë', slapd.userPassword, { provider: 'corp' });
  t.equal(unicode.response.status, 302, 'a genuine UTF-8 username still logs in');
});
