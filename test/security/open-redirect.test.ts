/**
 * Open redirect: every known payload family for `rd` on GET /__authgate__/login (the value the
 * form carries), POST /__authgate__/login (the Location after login) and the OIDC start route
 * (the return path sealed into the transaction, and the Location after the real callback).
 * Whatever comes back is a same-origin path, judged the way a browser reads a Location.
 */
import t, { type Test } from 'tap';
import { fetchText, login } from '../support/authgate.ts';
import { browserlessLogin } from '../support/browserless-login.ts';
import { unseal } from '../../src/session/index.ts';
import { defaultKeys, startOidcAuthgate, startOidcLogin, type OidcSetup } from './support.ts';

const PAYLOADS: string[] = [
  // scheme-relative and extra slashes
  '//evil.example', '///evil.example', '////evil.example/x', '//evil.example/%2F..', '// evil.example',
  // backslashes (browsers read \ as /)
  '/\\evil.example', '\\/evil.example', '\\\\evil.example', '/\\/evil.example', '/\\\\evil.example',
  // absolute URLs and scheme tricks
  'https://evil.example', 'http://evil.example/', 'HTTPS://evil.example', 'https:evil.example', 'https:/evil.example', 'https:\\\\evil.example', '//localhost@evil.example', 'https://localhost@evil.example', 'https://localhost.evil.example', 'ftp://evil.example',
  // script schemes
  'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', '\tjavascript:alert(1)', 'java\tscript:alert(1)', 'java%0ascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '/javascript:alert(1)',
  // percent-encoded, once to three times
  '%2F%2Fevil.example', '/%2F%2Fevil.example', '/%2fevil.example', '/%5Cevil.example', '%5C%5Cevil.example', '/%252F%252Fevil.example', '/%25252F%25252Fevil.example', '%68ttps://evil.example', '/%09/evil.example', '/%0D%0A/evil.example', '%0a//evil.example',
  // whitespace and control characters
  '/\t/evil.example', '/\n/evil.example', '/\r/evil.example', ' //evil.example', '\u0000//evil.example', '/\u0000/evil.example', '/%00//evil.example', '\u000b//evil.example', '\u00a0//evil.example',
  // dot segments that collapse into //
  '/..//evil.example', '/.//evil.example', '/%2e%2e//evil.example', '/./\\evil.example', '/x/../..//evil.example', '/.%2F/evil.example',
  // Unicode look-alikes
  '/\u3002evil.example', '\uFF0F\uFF0Fevil.example', '/\uFF0Fevil.example', '\u2215\u2215evil.example', '//evil\u3002example', '//evil%E3%80%82example',
  // header and HTML injection through the value
  '/x\r\nSet-Cookie: pwned=1', '/x%0d%0aSet-Cookie:%20pwned=1', '/"><script>alert(1)</script>', "/'onmouseover='alert(1)",
  // authgate's own routes and oversized values
  '/__authgate__/logout', '/__authgate__/login?rd=//evil.example', '/__authgate__/callback/idp?code=x', '/%5F_authgate__/logout', `/${'a'.repeat(3000)}`,
  // relative starts
  '?//evil.example', '#//evil.example', 'evil.example', './/evil.example', '@evil.example',
];

/** A Location or form value that cannot leave the origin, even read as leniently as browsers do. */
function assertSameOrigin(t: Test, value: string, label: string): void {
  const lenient = value.replace(/[\t\n\r]/g, '').replace(/\\/g, '/');
  const ok =
    value.startsWith('/') &&
    !lenient.startsWith('//') &&
    !/[\x00-\x1f\x7f\\]/.test(value) &&
    new URL(value, 'https://localhost').origin === 'https://localhost' &&
    new URL(lenient, 'https://localhost').origin === 'https://localhost' &&
    !new URL(value, 'https://localhost').pathname.startsWith('/__authgate__/');
  t.ok(ok, `${label}: ${JSON.stringify(value.slice(0, 80))}`);
}

function decodeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

let setup: OidcSetup;
t.before(async () => {
  setup = await startOidcAuthgate(['idp']);
});
t.teardown(() => setup.stop());

t.test('GET /__authgate__/login: the form carries only a same-origin path, escaped', async (t) => {
  for (const payload of PAYLOADS) {
    const page = await fetchText(setup.ag, `/__authgate__/login?rd=${encodeURIComponent(payload)}`, { headers: { accept: 'text/html' } });
    t.equal(page.status, 200);
    const values = [...page.body.matchAll(/name="rd" value="([^"]*)"/g)].map((m) => decodeHtml(m[1] as string));
    t.ok(values.length > 0, 'the form has an rd field');
    for (const value of values) assertSameOrigin(t, value, `GET rd=${JSON.stringify(payload.slice(0, 40))}`);
    t.notOk(page.body.includes('<script>alert(1)'), 'nothing reflected unescaped');
    t.notOk(page.headers['set-cookie']?.toString().includes('pwned'), 'no header injection');
  }
});

t.test('POST /__authgate__/login: the Location after login is a same-origin path', async (t) => {
  for (const payload of PAYLOADS) {
    const { response, cookie } = await login(setup.ag, 'bob', 'bob-Passw0rd!', { rd: payload, provider: 'local-accounts' });
    t.equal(response.status, 302, `login with rd=${JSON.stringify(payload.slice(0, 40))}`);
    t.ok(cookie, 'logged in');
    assertSameOrigin(t, String(response.headers.location), 'Location');
    t.notOk(response.setCookies.some((c) => c.includes('pwned')), 'no header injection');
  }
});

t.test('OIDC start route: the sealed return path is a same-origin path', async (t) => {
  const keys = defaultKeys();
  for (const payload of PAYLOADS) {
    const { status, location, txCookie } = await startOidcLogin(setup.ag, 'idp', payload);
    t.equal(status, 302);
    t.ok(location.startsWith(setup.idps[0]!.issuer), 'redirected to the issuer only');
    const opened = await unseal(txCookie.slice('__Host-authgate-oidc='.length), 'oidc-tx', keys);
    t.ok(opened.ok, 'transaction cookie readable with the session key');
    if (opened.ok) assertSameOrigin(t, String(opened.payload.returnTo), `OIDC rd=${JSON.stringify(payload.slice(0, 40))}`);
  }
});

t.test('OIDC round trip: the Location after the real callback is a same-origin path', async (t) => {
  for (const payload of ['//evil.example', '/\\evil.example', 'https://evil.example', '/%252F%252Fevil.example', '/..//evil.example', 'javascript:alert(1)', '/ok/path?x=1']) {
    const { location, txCookie } = await startOidcLogin(setup.ag, 'idp', payload);
    const back = await browserlessLogin(location, { login: 'ada', caPem: setup.idps[0]!.caPem, redirectUri: setup.callback('idp') });
    const done = await fetchText(setup.ag, `${back.pathname}${back.search}`, { headers: { cookie: txCookie } });
    t.equal(done.status, 302, done.body.slice(0, 200));
    assertSameOrigin(t, String(done.headers.location), `after callback, rd=${JSON.stringify(payload)}`);
    if (payload === '/ok/path?x=1') t.equal(done.headers.location, payload, 'a genuine return path survives');
  }
});

t.test('logout ignores any redirect parameter', async (t) => {
  const { cookie } = await login(setup.ag, 'bob', 'bob-Passw0rd!', { provider: 'local-accounts' });
  const confirm = await fetchText(setup.ag, '/__authgate__/logout?rd=//evil.example&next=https://evil.example', { headers: { cookie: cookie! } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const out = await fetchText(setup.ag, '/__authgate__/logout?rd=//evil.example', {
    method: 'POST',
    headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded', origin: setup.ag.origin },
    body: `csrf=${csrf}&rd=${encodeURIComponent('//evil.example')}&next=${encodeURIComponent('https://evil.example')}`,
  });
  t.equal(out.status, 302);
  t.equal(out.headers.location, '/__authgate__/login');
  const anonymous = await fetchText(setup.ag, '/__authgate__/logout?rd=//evil.example', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rd=//evil.example' });
  t.equal(anonymous.headers.location, '/__authgate__/login', 'without a session too');
});
