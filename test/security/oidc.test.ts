/**
 * Hostile OIDC logins through authgate's HTTP routes against the real oidc-provider: crafted ID
 * tokens (alg none, HS256 keyed with the public key, wrong aud/iss, expired, future iat), state
 * reuse, mixed-up providers (two configured), and transaction and session cookies swapped.
 * None ends with a session, none reaches the upstream.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { base64url, SignJWT } from 'jose';
import t from 'tap';
import { fetchText } from '../support/authgate.ts';
import { browserlessLogin } from '../support/browserless-login.ts';
import type { IdTokenTamper } from '../support/oidc-provider.ts';
import { startOidcAuthgate, startOidcLogin, type OidcSetup } from './support.ts';

const now = () => Math.floor(Date.now() / 1000);

let s: OidcSetup;
t.before(async () => {
  s = await startOidcAuthgate(['idp-a', 'idp-b']);
});
t.teardown(() => s.stop());

const idpOf = (id: string) => s.idps[id === 'idp-a' ? 0 : 1]!;

/** The IdP's redirect back to authgate for a login started at provider `id`. */
async function authorize(id: string, user = 'ada', rd = '/after') {
  const { location, txCookie } = await startOidcLogin(s.ag, id, rd);
  const back = await browserlessLogin(location, { login: user, caPem: idpOf(id).caPem, redirectUri: s.callback(id) });
  return { back, txCookie };
}

/** Calls an authgate callback path with cookies; reports whether a session came out of it. */
async function callback(pathAndQuery: string, cookie: string) {
  const before = s.upstream.received.length;
  const r = await fetchText(s.ag, pathAndQuery, { headers: cookie ? { cookie } : {} });
  const session = r.setCookies.find((c) => c.startsWith('__Host-authgate=') && !c.startsWith('__Host-authgate=;'));
  return { status: r.status, session, location: r.headers.location, forwarded: s.upstream.received.length - before };
}

t.test('control: a genuine login through either provider ends with a session', async (t) => {
  for (const id of ['idp-a', 'idp-b']) {
    const { back, txCookie } = await authorize(id);
    const r = await callback(`${back.pathname}${back.search}`, txCookie);
    t.equal(r.status, 302, id);
    t.ok(r.session, `${id}: session issued`);
    t.equal(r.location, '/after');
  }
});

t.test('crafted ID tokens from the real token endpoint are refused at the callback', async (t) => {
  const idp = idpOf('idp-a');
  const cases: Array<[string, IdTokenTamper]> = [
    ['alg none', ({ payload }) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.`],
    ['alg none with the provider kid', ({ payload }, keys) => `${base64url.encode(JSON.stringify({ alg: 'none', kid: keys.current.kid }))}.${base64url.encode(JSON.stringify(payload))}.`],
    [
      'HS256 keyed with the provider public key (PEM)',
      ({ payload }, keys) => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = keys.current;
        const pem = createPublicKey({ key: pub as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
        return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keys.current.kid as string }).sign(new TextEncoder().encode(pem));
      },
    ],
    [
      'HS256 keyed with the provider public key (JWK JSON)',
      ({ payload }, keys) => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = keys.current;
        return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keys.current.kid as string }).sign(new TextEncoder().encode(JSON.stringify(pub)));
      },
    ],
    ['HS256 keyed with the client secret', ({ payload }) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(idp.clientSecret))],
    ['wrong audience', ({ payload }, keys) => keys.sign({ ...payload, aud: 'someone-else' })],
    ['audience list without us', ({ payload }, keys) => keys.sign({ ...payload, aud: ['someone-else', 'another'] })],
    ['wrong issuer', ({ payload }, keys) => keys.sign({ ...payload, iss: 'https://evil.example' })],
    ['issuer of the other configured provider', ({ payload }, keys) => keys.sign({ ...payload, iss: idpOf('idp-b').issuer })],
    ['expired', ({ payload }, keys) => keys.sign({ ...payload, iat: now() - 7200, exp: now() - 3600 })],
    ['issued in the future', ({ payload }, keys) => keys.sign({ ...payload, iat: now() + 3600, exp: now() + 7200 })],
    ['no exp', ({ payload }, keys) => keys.sign({ ...payload, exp: undefined })],
    ['nonce of another login', ({ payload }, keys) => keys.sign({ ...payload, nonce: 'x'.repeat(43) })],
    ['sub changed after signing', async ({ payload }, keys) => {
      const [h, , sig] = (await keys.sign(payload)).split('.');
      return `${h}.${base64url.encode(JSON.stringify({ ...payload, sub: 'admin', email: 'admin@example.com' }))}.${sig}`;
    }],
  ];
  for (const [name, tamper] of cases) {
    idp.tamperIdToken(tamper);
    try {
      const { back, txCookie } = await authorize('idp-a');
      const r = await callback(`${back.pathname}${back.search}`, txCookie);
      t.ok(r.status >= 400 && r.status !== 500, `${name}: refused (${r.status})`);
      t.notOk(r.session, `${name}: no session`);
      t.equal(r.forwarded, 0);
    } finally {
      idp.tamperIdToken(undefined);
    }
  }
  t.ok(s.ag.audit.filter((l) => l.includes('"auth.login.failed"') && l.includes('"idp-a"')).length >= cases.length, 'every refusal audited');
});

t.test('state reuse: a replayed callback, and a callback with the transaction of another login', async (t) => {
  const first = await authorize('idp-a');
  const ok = await callback(`${first.back.pathname}${first.back.search}`, first.txCookie);
  t.ok(ok.session, 'first use works');
  const replay = await callback(`${first.back.pathname}${first.back.search}`, first.txCookie);
  t.ok(replay.status >= 400, `replayed callback refused (${replay.status})`);
  t.notOk(replay.session);
  const a = await authorize('idp-a');
  const other = await startOidcLogin(s.ag, 'idp-a');
  const crossed = await callback(`${a.back.pathname}${a.back.search}`, other.txCookie);
  t.equal(crossed.status, 400, 'callback of one login with the transaction of another');
  t.notOk(crossed.session);
  const noCookie = await callback(`${a.back.pathname}${a.back.search}`, '');
  t.equal(noCookie.status, 400, 'callback without a transaction cookie');
  const stateEdited = new URLSearchParams(a.back.search);
  stateEdited.set('state', `${stateEdited.get('state')}x`);
  const edited = await callback(`${a.back.pathname}?${stateEdited}`, a.txCookie);
  t.equal(edited.status, 400, 'state edited in the callback');
  t.notOk(edited.session);
});

t.test('mixed-up providers: a callback for one provider with the other\'s transaction', async (t) => {
  const a = await authorize('idp-a');
  const b = await authorize('idp-b');
  const cases: Array<[string, string, string]> = [
    ['A\'s code at A\'s callback with B\'s transaction', `${a.back.pathname}${a.back.search}`, b.txCookie],
    ['A\'s code at B\'s callback with B\'s transaction', `/__authgate__/callback/idp-b${a.back.search}`, b.txCookie],
    ['A\'s code at B\'s callback with A\'s transaction', `/__authgate__/callback/idp-b${a.back.search}`, a.txCookie],
    ['B\'s code at A\'s callback with A\'s transaction', `/__authgate__/callback/idp-a${b.back.search}`, a.txCookie],
    ['A\'s code with the iss of B', `${a.back.pathname}${a.back.search.replace(/iss=[^&]*/, `iss=${encodeURIComponent(idpOf('idp-b').issuer)}`)}`, a.txCookie],
    ['a callback for an unknown provider', `/__authgate__/callback/idp-c${a.back.search}`, a.txCookie],
  ];
  for (const [name, target, cookie] of cases) {
    const r = await callback(target, cookie);
    t.ok(r.status >= 400 && r.status !== 500, `${name}: refused (${r.status})`);
    t.notOk(r.session, `${name}: no session`);
  }
  const genuine = await callback(`${b.back.pathname}${b.back.search}`, b.txCookie);
  t.ok(genuine.session, 'B\'s own callback still works afterwards');
});

t.test('a transaction cookie is no session, and a session cookie is no transaction', async (t) => {
  const { txCookie } = await startOidcLogin(s.ag, 'idp-a');
  const txValue = txCookie.slice('__Host-authgate-oidc='.length);
  const asSession = await fetchText(s.ag, '/app', { headers: { cookie: `__Host-authgate=${txValue}`, accept: 'application/json' } });
  t.equal(asSession.status, 401, 'transaction cookie presented as the session');
  const a = await authorize('idp-a');
  const done = await callback(`${a.back.pathname}${a.back.search}`, a.txCookie);
  const sessionValue = done.session!.split(';')[0]!.slice('__Host-authgate='.length);
  const b = await authorize('idp-a');
  const asTx = await callback(`${b.back.pathname}${b.back.search}`, `__Host-authgate-oidc=${sessionValue}`);
  t.equal(asTx.status, 400, 'session cookie presented as the transaction');
  t.notOk(asTx.session);
  t.equal((await fetchText(s.ag, '/app', { headers: { cookie: `__Host-authgate=${sessionValue}` } })).status, 200, 'the session itself still works');
});

t.test('the OIDC start route: unknown providers, hostile ids', async (t) => {
  for (const id of ['idp-c', '..%2Fidp-a', 'idp-a%00', 'IDP-A', '%2e%2e', 'local-accounts']) {
    const r = await fetchText(s.ag, `/__authgate__/login/${id}?rd=/`);
    t.ok([400, 404].includes(r.status), `${id}: ${r.status}`);
    t.notOk(r.setCookies.some((c) => c.startsWith('__Host-authgate-oidc=') && !c.startsWith('__Host-authgate-oidc=;')), 'no transaction started');
  }
});
