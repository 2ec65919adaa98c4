/**
 * Login throttling under attack, over real sockets (issue 16): concurrent guesses with one CSRF
 * pair, Unicode spellings of one username, and an IPv6 client rotating addresses inside its /64.
 * Limits 5 per username and 20 per client network; what reached the provider is read from the
 * audit trail (`auth.login.failed` with reason `bad-credentials` is a password the provider
 * checked; `auth.login.throttled` is a refusal before the provider was asked).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { stringify } from 'yaml';
import { hashPassword } from '../../src/auth/local/index.ts';
import { startAuthgate, fetchText, cookiePair, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      // X-Forwarded-For from the test client is believed, so each case can be its own client address.
      network: { trustedProxies: ['127.0.0.1'] },
      auth: { throttle: { window: '15m', maxFailuresPerUser: 5, maxFailuresPerIp: 20, lockout: '15m' } },
    },
  });
  // bob's hash at the production cost (scrypt ln=15, about 100 ms), as a real account has: the
  // helper's test hashes are cheap enough that each guess is answered before the next arrives.
  // The provider re-reads the file on the next login.
  writeFileSync(path.join(ag.dir, 'users.yaml'), stringify({ users: [{ username: 'bob', passwordHash: await hashPassword('bob-Passw0rd!'), groups: ['rstudio-users'] }, { username: 'alice', passwordHash: await hashPassword('alice-Passw0rd!'), groups: [] }] }));
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

interface Form {
  cookie: string;
  csrf: string;
  provider: string;
}

/** One GET of the login page: the CSRF cookie and token every POST below reuses. */
async function loginForm(): Promise<Form> {
  const page = await fetchText(ag, '/__authgate__/login', { headers: { accept: 'text/html' } });
  return {
    cookie: page.setCookies.map(cookiePair).find((c) => c.startsWith('__Host-authgate-csrf=')) ?? '',
    csrf: /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '',
    provider: /name="provider" value="([^"]+)"/.exec(page.body)?.[1] ?? '',
  };
}

function post(form: Form, username: string, password: string, clientIp: string) {
  return fetchText(ag, '/__authgate__/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, origin: ag.origin, 'x-forwarded-for': clientIp },
    body: new URLSearchParams({ provider: form.provider, username, password, csrf: form.csrf, rd: '/' }).toString(),
  });
}

/**
 * Sends one POST on each of `count` TLS connections opened beforehand, completed in one tick,
 * so that every request is in authgate before the provider has answered any of them.
 * Returns the status of each answer.
 */
async function burst(form: Form, count: number, body: (i: number) => { username: string; password: string; ip: string }): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<tls.TLSSocket>((resolve, reject) => {
          const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    (socket) =>
      new Promise<number>((resolve) => {
        let text = '';
        const timer = setTimeout(() => socket.destroy(), 20_000);
        socket.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          if (/\r\n\r\n/.test(text)) socket.destroy();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
        });
      }),
  );
  // Everything but the last byte of each body first; then, once authgate has read all of that,
  // the last bytes in one tick: every request completes its body at the same moment.
  const lastBytes = sockets.map((socket, i) => {
    const { username, password, ip } = body(i);
    const payload = new URLSearchParams({ provider: form.provider, username, password, csrf: form.csrf, rd: '/' }).toString();
    const request = Buffer.from(
      [
        'POST /__authgate__/login HTTP/1.1',
        'Host: localhost',
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${Buffer.byteLength(payload)}`,
        `Cookie: ${form.cookie}`,
        `Origin: ${ag.origin}`,
        `X-Forwarded-For: ${ip}`,
        'Connection: close',
        '',
        payload,
      ].join('\r\n'),
    );
    socket.write(request.subarray(0, -1));
    return request.subarray(-1);
  });
  await new Promise((r) => setTimeout(r, 500));
  sockets.forEach((socket, i) => socket.write(lastBytes[i] as Buffer));
  return Promise.all(answers);
}

interface AuditLine {
  event: string;
  reason?: string;
  clientIp?: string;
}

/** Audit events of one client address since `from` (an index into ag.audit). */
function eventsOf(clientIp: string, from: number): AuditLine[] {
  return ag.audit
    .slice(from)
    .map((l) => JSON.parse(l) as AuditLine)
    .filter((e) => e.clientIp === clientIp);
}

const checked = (events: AuditLine[]) => events.filter((e) => e.event === 'auth.login.failed' && e.reason === 'bad-credentials').length;
const throttled = (events: AuditLine[]) => events.filter((e) => e.event === 'auth.login.throttled').length;

t.test('40 concurrent wrong passwords with one CSRF pair: at most 5 reach the provider', async (t) => {
  const ip = '192.0.2.10';
  const from = ag.audit.length;
  const form = await loginForm();
  const statuses = await burst(form, 40, (i) => ({ username: 'bob', password: `wrong-guess-${i}`, ip }));
  const events = eventsOf(ip, from);
  t.ok(checked(events) <= 5, `${checked(events)} guesses reached the provider (limit 5)`);
  t.equal(checked(events) + throttled(events), 40, 'every attempt is accounted for as checked or throttled');
  t.equal(statuses.filter((s) => s === 401).length, checked(events), '401 for each checked guess');
  t.equal(statuses.filter((s) => s === 429).length, 40 - checked(events), '429 for the rest');
  const right = await post(form, 'bob', 'bob-Passw0rd!', '192.0.2.11');
  t.equal(right.status, 429, 'bob is locked out afterwards, even with the right password from another address');
});

t.test('Unicode spellings of one username share its budget', async (t) => {
  const ip = '192.0.2.20';
  const from = ag.audit.length;
  const form = await loginForm();
  const spellings = ['alice', 'ALICE', 'ａｌｉｃｅ', 'Ａlice', 'al\u0131ce', 'ali\u0301ce', 'a\u200blice', 'AL\u0130CE'];
  const statuses: number[] = [];
  for (const s of spellings) statuses.push((await post(form, s, 'not-her-password', ip)).status);
  t.same(statuses.slice(0, 5), [401, 401, 401, 401, 401], 'five failures');
  t.same(statuses.slice(5), [429, 429, 429], `then every other spelling is refused (${spellings.slice(5).map((s) => JSON.stringify(s)).join(', ')})`);
  t.equal(checked(eventsOf(ip, from)), 5, 'five guesses reached the provider');
});

t.test('an IPv6 client rotating addresses in its /64 has one budget of 20', async (t) => {
  const from = ag.audit.length;
  const form = await loginForm();
  const addresses = Array.from({ length: 40 }, (_, i) => `2001:db8:7:7::${(i + 1).toString(16)}`);
  const statuses = await burst(form, 40, (i) => ({ username: `sprayed-user-${i}`, password: 'Winter2026!', ip: addresses[i] as string }));
  const events = addresses.flatMap((ip) => eventsOf(ip, from));
  t.ok(checked(events) <= 20, `${checked(events)} of 40 guesses from one /64 reached the provider (limit 20)`);
  t.equal(statuses.filter((s) => s === 429).length, 40 - checked(events), 'the rest are throttled');
  const neighbour = await post(form, 'someone-else', 'Winter2026!', '2001:db8:7:8::1');
  t.equal(neighbour.status, 401, 'the next /64 is another client');
});

t.test('IPv4 stays per address and IPv4-mapped IPv6 is the same address', async (t) => {
  const form = await loginForm();
  for (let i = 0; i < 20; i++) await post(form, `v4-user-${i}`, 'wrong', i % 2 ? '198.51.100.7' : '::ffff:198.51.100.7');
  t.equal((await post(form, 'v4-last', 'wrong', '198.51.100.7')).status, 429, 'the 21st failure from 198.51.100.7, in either spelling, is throttled');
  t.equal((await post(form, 'v4-other', 'wrong', '198.51.100.8')).status, 401, 'the next address is not');
});
