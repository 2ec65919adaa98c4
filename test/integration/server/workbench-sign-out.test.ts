/**
 * Workbench's Sign out through authgate: with `auth-proxy-sign-out-url` set, rserver answers the
 * IDE's sign-out by redirecting the browser to that URL (rstudio NEWS, RStudio Server Pro 1.4:
 * "an endpoint to take the user to when Sign Out is clicked"). The upstream here does the same
 * at /auth-sign-out; the client follows the redirect as a browser does (a same-origin top-level
 * navigation), and authgate's session ends.
 */
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAuthgate, fetchText, login, type TestAuthgate } from '../../support/authgate.ts';

let ag: TestAuthgate;
let server: http.Server;
let signOutUrl = '';

t.before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/auth-sign-out') {
      res.writeHead(302, { location: signOutUrl }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`IDE for ${String(req.headers['x-rstudio-username'])}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  ag = await startAuthgate({ config: { upstream: { url: `http://127.0.0.1:${port}`, profile: 'workbench' } } });
  // rserver.conf: auth-proxy-sign-out-url=<publicUrl>/__authgate__/logout (docs/workbench.md)
  signOutUrl = `${ag.url}/__authgate__/logout`;
});
t.teardown(async () => {
  await ag.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What a browser sends on a top-level navigation a page of `site` started. */
const navigation = (cookie: string, site: 'same-origin' | 'cross-site') => ({ cookie, accept: 'text/html', 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });

t.test("Workbench's Sign out ends the authgate session", async (t) => {
  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  if (!cookie) throw new Error('alice could not log in');
  t.equal((await fetchText(ag, '/', { headers: navigation(cookie, 'same-origin') })).body, 'IDE for alice');

  const fromIde = await fetchText(ag, '/auth-sign-out', { headers: navigation(cookie, 'same-origin') });
  t.equal(fromIde.status, 302, 'rserver redirects to its auth-proxy-sign-out-url');
  t.equal(fromIde.headers.location, signOutUrl);

  const location = new URL(String(fromIde.headers.location));
  const followed = await fetchText(ag, location.pathname, { headers: navigation(cookie, 'same-origin') });
  t.equal(followed.status, 302);
  t.equal(followed.headers.location, '/__authgate__/login', 'on to the sign-in page');
  t.ok(followed.setCookies.some((c) => c.startsWith('__Host-authgate=;')), 'the cookie is cleared');
  t.ok(ag.audit.some((line) => line.includes('"auth.logout"') && line.includes('upstream-sign-out')), 'audited');

  const again = await fetchText(ag, '/', { headers: { cookie, accept: 'application/json' } });
  t.equal(again.status, 401, 'the old cookie is revoked, not only cleared');
});

t.test('a page of another site sending the browser to the logout URL gets the confirmation page', async (t) => {
  const { cookie } = await login(ag, 'bob', 'bob-Passw0rd!');
  if (!cookie) throw new Error('bob could not log in');
  const crossSite = await fetchText(ag, '/__authgate__/logout', { headers: navigation(cookie, 'cross-site') });
  t.equal(crossSite.status, 200);
  t.match(crossSite.body, /<form method="post" action="\/__authgate__\/logout">/);
  const noFetchMetadata = await fetchText(ag, '/__authgate__/logout', { headers: { cookie, accept: 'text/html' } });
  t.equal(noFetchMetadata.status, 200, 'without Fetch Metadata: the confirmation page');
  const head = await fetchText(ag, '/__authgate__/logout', { method: 'HEAD', headers: navigation(cookie, 'same-origin') });
  t.equal(head.status, 200, 'HEAD never signs out');
  t.equal((await fetchText(ag, '/', { headers: { cookie } })).status, 200, 'still signed in');
});
