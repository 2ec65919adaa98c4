/** The whole OIDC flow through authgate's HTTP routes against the real oidc-provider, beside a local provider. */
import t from 'tap';
import type * as Tap from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthgate, fetchText, cookiePair, freePort, login } from '../../support/authgate.ts';
import { startUpstream } from '../../support/upstream.ts';
import { startOidcProvider } from '../../support/oidc-provider.ts';
import { browserlessLogin } from '../../support/browserless-login.ts';

/** The real IdP, an upstream and authgate on a port known up front (the redirect URI must be registered). */
async function setUp(t: Tap.Test, provider: Record<string, unknown>, extra: { local?: boolean; authorization?: Record<string, unknown> } = {}) {
  const port = await freePort();
  const publicUrl = `https://localhost:${port}`;
  const callback = `${publicUrl}/__authgate__/callback/idp`;
  const idp = await startOidcProvider({ redirectUris: [callback], postLogoutRedirectUris: [`${publicUrl}/__authgate__/login`] });
  t.teardown(() => idp.stop());
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-oidc-'));
  writeFileSync(path.join(dir, 'idp-ca.pem'), idp.caPem);
  writeFileSync(path.join(dir, 'idp-secret'), idp.clientSecret);
  const oidc = { type: 'oidc', id: 'idp', issuer: idp.issuer, clientId: idp.clientId, clientSecretFile: path.join(dir, 'idp-secret'), caFile: path.join(dir, 'idp-ca.pem'), ...provider };
  const providers = extra.local ? [{ type: 'local', name: 'Local accounts', usersFile: path.join(dir, 'users.yaml') }, oidc] : [oidc];
  const ag = await startAuthgate({
    dir,
    config: { listen: { address: '127.0.0.1', port }, publicUrl, upstream: { url: upstream.url }, auth: { providers }, ...(extra.authorization ? { authorization: extra.authorization } : {}) },
  });
  t.teardown(() => ag.stop());
  return { idp, upstream, ag, callback };
}

t.test('log in with OIDC through authgate, use the upstream, log out', async (t) => {
  const { idp, upstream, ag, callback } = await setUp(t, { name: 'Company SSO', groupsClaim: 'groups', roleClaim: 'role', permittedLoginGroups: ['rstudio-users'] }, { local: true, authorization: { userRoleMapping: true } });

  const page = await fetchText(ag, '/__authgate__/login?rd=/app/42', { headers: { accept: 'text/html' } });
  t.match(page.body, /Sign in with Company SSO/, 'a button for the OIDC provider');
  t.match(page.body, /name="provider" value="local-accounts"/, 'and a form for the local provider');
  const start = await fetchText(ag, '/__authgate__/login/idp?rd=/app/42');
  t.equal(start.status, 302);
  t.ok(String(start.headers.location).startsWith(idp.issuer));
  const tx = cookiePair(start.setCookies.find((c) => c.startsWith('__Host-authgate-oidc='))!);

  const back = await browserlessLogin(String(start.headers.location), { login: 'ada', caPem: idp.caPem, redirectUri: callback });
  const done = await fetchText(ag, `${back.pathname}${back.search}`, { headers: { cookie: tx } });
  t.equal(done.status, 302, done.body.slice(0, 300));
  t.equal(done.headers.location, '/app/42', 'the return path survived the round trip');
  const session = cookiePair(done.setCookies.find((c) => c.startsWith('__Host-authgate=') && !c.startsWith('__Host-authgate=;'))!);

  const r = await fetchText(ag, '/app/42', { headers: { cookie: session } });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-auth-username'], 'ada@example.com');
  t.equal(seen.headers['x-auth-role'], 'administrator', 'roleClaim through userRoleMapping');
  t.match(String(seen.headers['x-auth-groups']), /rstudio-users/);
  t.ok(ag.audit.some((l) => l.includes('"auth.login.succeeded"') && l.includes('"idp"')));

  const replay = await fetchText(ag, `${back.pathname}${back.search}`, { headers: { cookie: tx } });
  t.equal(replay.status >= 400, true, `a replayed callback is refused (${replay.status})`);
  const noState = await fetchText(ag, `${back.pathname}${back.search}`);
  t.equal(noState.status, 400, 'a callback without the browser-bound transaction cookie is refused');

  const local = await login(ag, 'alice', 'alice-Passw0rd!', { provider: 'local-accounts' });
  t.ok(local.cookie, 'the local provider works beside OIDC');
});

t.test('a user outside the permitted groups gets the not-permitted page', async (t) => {
  const { idp, upstream, ag, callback } = await setUp(t, { name: 'SSO', groupsClaim: 'groups', permittedLoginGroups: ['admins'] });
  const start = await fetchText(ag, '/__authgate__/login/idp?rd=/');
  const tx = cookiePair(start.setCookies.find((c) => c.startsWith('__Host-authgate-oidc='))!);
  const back = await browserlessLogin(String(start.headers.location), { login: 'bob', caPem: idp.caPem, redirectUri: callback });
  const done = await fetchText(ag, `${back.pathname}${back.search}`, { headers: { cookie: tx } });
  t.equal(done.status, 403);
  t.match(done.body, /not permitted/);
  t.equal(upstream.received.length, 0, 'the upstream never saw the user');
});
