/**
 * Secrets never in logs: a run with local and OIDC logins, failures, hostile cookies and
 * headers, logout and errors; afterwards neither the log nor the audit output holds any
 * password, cookie, CSRF token, OIDC code/state/token, refresh token or assertion used.
 */
import t from 'tap';
import { fetchText, login, cookiePair, SECRET_A } from '../support/authgate.ts';
import { browserlessLogin } from '../support/browserless-login.ts';
import { unseal } from '../../src/session/index.ts';
import { defaultKeys, startOidcAuthgate, startOidcLogin, exchange, type OidcSetup } from './support.ts';

let s: OidcSetup;
t.before(async () => {
  s = await startOidcAuthgate(['idp']);
});
t.teardown(() => s.stop());

t.test('a full hostile run leaves no secret in the log or audit output', async (t) => {
  const secrets = new Map<string, string>();
  const keep = (name: string, value: string | undefined) => {
    if (value && value.length >= 8) secrets.set(name, value);
  };
  keep('session secret', SECRET_A);
  keep('OIDC client secret', s.idps[0]!.clientSecret);

  // Local logins: good, wrong, and a password in every field an attacker controls.
  const good = await login(s.ag, 'alice', 'alice-Passw0rd!', { provider: 'local-accounts' });
  keep('alice password', 'alice-Passw0rd!');
  keep('alice session cookie', good.cookie!.split('=')[1]);
  for (const password of ['wrong-Passw0rd-1', 'P@ss word with spaces', 'pässwörd-ünïcode']) {
    await login(s.ag, 'alice', password, { provider: 'local-accounts' });
    keep(`wrong password ${password}`, password);
  }
  await login(s.ag, 'no-such-user', 'unknown-user-Passw0rd', { provider: 'local-accounts' });
  keep('unknown user password', 'unknown-user-Passw0rd');
  const page = await fetchText(s.ag, '/__authgate__/login');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  keep('login CSRF token', csrf);
  keep('login CSRF cookie', cookiePair(page.setCookies.find((c) => c.startsWith('__Host-authgate-csrf='))!).split('=')[1]);
  await fetchText(s.ag, '/__authgate__/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `provider=local-accounts&username=bob&password=csrf-fail-Passw0rd&csrf=${csrf}` });
  keep('password of a CSRF failure', 'csrf-fail-Passw0rd');
  await fetchText(s.ag, '/__authgate__/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'password=wrong-type-Passw0rd' });
  keep('password in a refused body', 'wrong-type-Passw0rd');

  // OIDC: code, state, tokens, the transaction cookie and the session (with its refresh token).
  const { location, txCookie } = await startOidcLogin(s.ag, 'idp', '/after');
  keep('OIDC transaction cookie', txCookie.split('=')[1]);
  const back = await browserlessLogin(location, { login: 'ada', caPem: s.idps[0]!.caPem, redirectUri: s.callback('idp') });
  keep('OIDC code', back.searchParams.get('code') ?? undefined);
  keep('OIDC state', back.searchParams.get('state') ?? undefined);
  const done = await fetchText(s.ag, `${back.pathname}${back.search}`, { headers: { cookie: txCookie } });
  const oidcSession = cookiePair(done.setCookies.find((c) => c.startsWith('__Host-authgate=') && !c.startsWith('__Host-authgate=;'))!);
  keep('OIDC session cookie', oidcSession.split('=')[1]);
  const opened = await unseal(oidcSession.split('=')[1]!, 'session', defaultKeys());
  if (opened.ok) {
    keep('refresh token', opened.payload.refreshToken as string | undefined);
    keep('ID token signature', (opened.payload.idToken as string | undefined)?.split('.')[2]);
  }
  const replayed = await fetchText(s.ag, `${back.pathname}${back.search}`, { headers: { cookie: txCookie } });
  t.ok(replayed.status >= 400, 'a replayed callback fails (and is logged)');

  // Requests with credentials and spoofed assertions; the assertion authgate sends upstream.
  const hostileHeaders = { authorization: 'Bearer bearer-token-0123456789', 'x-auth-token': 'x-auth-token-0123456789', 'x-authgate-assertion': 'spoofed-assertion-0123456789', 'proxy-authorization': 'Basic cHJveHk6cHJveHktcGFzcw==' };
  for (const [name, value] of Object.entries(hostileHeaders)) keep(`client ${name}`, value);
  await fetchText(s.ag, '/app', { headers: { cookie: good.cookie!, ...hostileHeaders } });
  await fetchText(s.ag, '/app', { headers: { cookie: `__Host-authgate=${good.cookie!.split('=')[1]!.slice(0, -3)}xyz`, ...hostileHeaders } });
  await fetchText(s.ag, '/app', { headers: { cookie: `${oidcSession}; other=1` } });
  const assertion = s.upstream.received.map((r) => r.headers['x-authgate-assertion']).find((v): v is string => typeof v === 'string' && v.startsWith('eyJ'));
  keep('assertion signature', assertion?.split('.')[2]);
  keep('assertion payload', assertion?.split('.')[1]);
  await exchange(s.ag, `GET /bad%zz HTTP/1.1\r\nHost: localhost\r\nCookie: ${good.cookie}\r\nConnection: close\r\n\r\n`);
  await exchange(s.ag, `GET /x HTTP/1.1\r\nHost: localhost\r\nCookie: ${good.cookie}\r\nX-Folded: a\r\n b\r\n\r\n`);

  // Logout with its token.
  const confirm = await fetchText(s.ag, '/__authgate__/logout', { headers: { cookie: good.cookie! } });
  const logoutCsrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  keep('logout CSRF token', logoutCsrf);
  await fetchText(s.ag, '/__authgate__/logout', { method: 'POST', headers: { cookie: good.cookie!, 'content-type': 'application/x-www-form-urlencoded', origin: s.ag.origin }, body: `csrf=${logoutCsrf}` });
  await fetchText(s.ag, '/app', { headers: { cookie: good.cookie! } });

  t.ok(secrets.size >= 20, `${secrets.size} secrets collected`);
  t.ok(s.ag.logs.length > 10 && s.ag.audit.length > 10, `${s.ag.logs.length} log lines, ${s.ag.audit.length} audit lines`);
  const everything = [...s.ag.logs, ...s.ag.audit].join('\n');
  for (const [name, value] of secrets) {
    const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
    t.notOk([...forms].some((f) => everything.includes(f)), `never logged: ${name}`);
  }
});
