/**
 * End to end in a real browser (issue 9): Debian's Chromium (playwright-core, no download) logs
 * in through authgate and uses a real Shiny app (R, WebSocket) behind it, with a real slapd for
 * LDAP and the real oidc-provider for OIDC. Everything is started once on loopback and stopped at
 * the end. Certificates: authgate and the OIDC provider use throwaway test CAs; the browser
 * contexts accept them through Playwright's `ignoreHTTPSErrors` (per context), Chromium itself
 * runs without `--ignore-certificate-errors`. Time is an injected clock (idle expiry, lockout), so
 * nothing sleeps. One screenshot per scenario goes to test-output/e2e/; a failing step prints the
 * page's text. Needs the Debian packages chromium and r-cran-shiny (.ci/install-browser-test-deps.sh).
 */
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { fetchText, freePort, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { launchBrowser, onPage, screenshot, type TestBrowser } from '../support/browser.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { startShiny, type TestShiny } from '../support/shiny.ts';
import { startSlapd, slapdProviderInput, type Slapd } from '../support/slapd.ts';

const TITLE = 'Analytics Portal';
const LDAP_NAME = 'Corporate directory';
const OIDC_NAME = 'Company SSO';
const LOCKOUT_MS = 3000;
const IDLE_MS = 5 * 60_000;
const WAIT = { timeout: 15_000 };

interface World {
  slapd: Slapd;
  shiny: TestShiny;
  idp: TestOidcProvider;
  ag: TestAuthgate;
  browser: TestBrowser;
  /** Moves authgate's clock forward. */
  advance(ms: number): void;
}

async function startWorld(t: Test): Promise<World> {
  const slapd = await startSlapd();
  t.teardown(() => slapd.stop());
  const port = await freePort();
  const publicUrl = `https://localhost:${port}`;
  const shiny = await startShiny(undefined, { signOutUrl: `${publicUrl}/__authgate__/logout` });
  t.teardown(() => shiny.stop());
  const idp = await startOidcProvider({ redirectUris: [`${publicUrl}/__authgate__/callback/sso`], postLogoutRedirectUris: [`${publicUrl}/__authgate__/login`] });
  t.teardown(() => idp.stop());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-e2e-'));
  writeFileSync(path.join(dir, 'bind-password'), `${slapd.bindPassword}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, 'idp-ca.pem'), idp.caPem);
  writeFileSync(path.join(dir, 'idp-secret'), idp.clientSecret, { mode: 0o600 });
  const G = (cn: string) => `cn=${cn},ou=Groups,${slapd.baseDN}`;
  let offset = 0;
  const ag = await startAuthgate({
    dir,
    now: () => Date.now() + offset,
    config: {
      listen: { address: '127.0.0.1', port },
      publicUrl,
      // The browser's own requests come from 127.0.0.1, a trusted proxy hop: an X-Forwarded-For
      // it sends names the client, and only loopback clients are allowed in.
      network: { trustedProxies: ['127.0.0.1'], allow: ['127.0.0.0/8', '::1/128'] },
      upstream: { url: shiny.url, profile: 'connect' },
      session: { idleTimeout: '5m' },
      auth: {
        loginPage: { title: TITLE },
        throttle: { maxFailuresPerUser: 3, window: '1m', lockout: '3s' },
        providers: [
          slapdProviderInput(slapd, { bindPasswordFile: path.join(dir, 'bind-password') }, {
            id: 'corp',
            name: LDAP_NAME,
            serverAddress: [slapd.ldapsUrl],
            userFirstNameAttribute: undefined,
            userLastNameAttribute: undefined,
            userRoleAttribute: undefined,
            nestedGroups: true,
            permittedLoginGroups: [G('Staff')],
          }),
          {
            type: 'oidc',
            id: 'sso',
            name: OIDC_NAME,
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecretFile: path.join(dir, 'idp-secret'),
            caFile: path.join(dir, 'idp-ca.pem'),
            groupsClaim: 'groups',
            permittedLoginGroups: ['rstudio-users'],
            logoutAtProvider: true,
          },
        ],
      },
      authorization: { userRoleGroupMapping: true, publisherRoleMapping: [G('Engineering')], administratorRoleMapping: ['Admins'] },
    },
  });
  t.teardown(() => ag.stop());
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  return { slapd, shiny, idp, ag, browser, advance: (ms) => void (offset += ms) };
}

/** A fresh browser profile context (no cookies) with one page. */
async function freshPage(t: Test, w: World, options: Parameters<TestBrowser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await w.browser.newContext(options);
  t.teardown(() => context.close());
  return { context, page: await context.newPage() };
}

/** Clicks something that submits a form or follows a link, and waits until the next document has loaded. */
async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  const loaded = page.waitForEvent('load', WAIT);
  await target.click();
  await loaded;
}

async function submitLdapForm(page: Page, username: string, password: string): Promise<void> {
  const form = page.getByRole('form', { name: LDAP_NAME });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await clickAndLoad(page, form.getByRole('button', { name: `Sign in with ${LDAP_NAME}` }));
}

/** Waits for the Shiny app to be connected (its outputs render only over the WebSocket) and returns what it shows. */
async function shinyShows(page: Page): Promise<{ echo: string; username: string; role: string; search: string }> {
  await page.locator('#echo').filter({ hasText: 'Echo:' }).waitFor(WAIT);
  return {
    echo: await page.locator('#echo').innerText(),
    username: await page.locator('#username').innerText(),
    role: await page.locator('#role').innerText(),
    search: await page.locator('#search').innerText(),
  };
}

/** Types into the Shiny input and waits for the reactive output computed by R to follow. */
async function changeInput(page: Page, text: string): Promise<string> {
  await page.locator('#message').fill(text);
  await page.locator('#echo').filter({ hasText: `Echo: ${text.toUpperCase()} (${text.length} characters)` }).waitFor(WAIT);
  return page.locator('#echo').innerText();
}

function sessionCookie(cookies: Array<{ name: string; value: string }>): string | undefined {
  return cookies.find((c) => c.name === '__Host-authgate' && c.value !== '')?.value;
}

t.test('a real browser logs in through authgate and uses a real Shiny app', async (t) => {
  const w = await startWorld(t);
  const { ag, shiny, slapd } = w;
  const app = (pathname: string) => `${ag.url}${pathname}`;
  const audited = (event: string, text: string) => ag.audit.some((l) => l.includes(`"${event}"`) && l.includes(text));

  await t.test('1. unauthenticated: redirected to the login page with the title and both providers', async (t) => {
    // authgate's own pages need no JavaScript: this context has it turned off.
    const { page } = await freshPage(t, w, { javaScriptEnabled: false });
    await onPage(page, '1-login-page', async () => {
      const response = await page.goto(app('/?scenario=1'));
      t.equal(response?.status(), 200);
      t.equal(response?.request().redirectedFrom()?.url(), app('/?scenario=1'), 'the app URL redirected');
      const url = new URL(page.url());
      t.equal(url.pathname, '/__authgate__/login');
      t.equal(url.searchParams.get('rd'), '/?scenario=1', 'the login page remembers where the user was going');
      t.equal(await page.title(), TITLE);
      t.equal(await page.getByRole('heading', { level: 1 }).innerText(), TITLE);
      // Regression: with no-referrer, Chromium posted the login form with `Origin: null` and every login failed.
      t.equal(response?.headers()['referrer-policy'], 'same-origin', 'the form POST will carry its Origin');
      t.ok(await page.getByRole('form', { name: LDAP_NAME }).isVisible(), 'a form for the LDAP provider');
      t.ok(await page.getByRole('button', { name: `Sign in with ${LDAP_NAME}` }).isVisible());
      t.ok(await page.getByRole('link', { name: `Sign in with ${OIDC_NAME}` }).isVisible(), 'a button for the OIDC provider');
      t.equal(shiny.requests.length, 0, 'nothing reached the app');
      await screenshot(page, '1-login-page');
    });
  });

  await t.test('2. LDAP user in the permitted group: back at the requested path, Shiny works over the WebSocket', async (t) => {
    const { page } = await freshPage(t, w);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await onPage(page, '2-ldap-shiny', async () => {
      await page.goto(app('/?scenario=2'));
      await submitLdapForm(page, 'alice', slapd.userPassword);
      t.equal(page.url(), app('/?scenario=2'), 'landed on the originally requested path');
      const shown = await shinyShows(page);
      t.equal(shown.username, 'alice', 'the app received X-Auth-Username');
      t.equal(shown.role, 'publisher', 'Engineering maps to publisher');
      t.equal(shown.search, '?scenario=2');
      t.equal(shown.echo, 'Echo: HELLO (5 characters)');
      t.equal(await changeInput(page, 'through authgate'), 'Echo: THROUGH AUTHGATE (16 characters)', 'the reactive output follows the input');
      t.same(sockets, [app('/websocket/').replace('https:', 'wss:')], 'the Shiny WebSocket went through authgate');
      t.ok(shiny.requests.some((r) => r.websocket && r.username === 'alice' && r.role === 'publisher'), 'the upgrade reached Shiny with the identity headers');
      t.ok(shiny.requests.every((r) => r.username === 'alice'), 'every request the app saw carried the user');
      await screenshot(page, '2-ldap-shiny');
    });
  });

  await t.test('3. LDAP user outside the permitted group: not-permitted page, the app never saw them', async (t) => {
    const { context, page } = await freshPage(t, w, { javaScriptEnabled: false });
    const before = shiny.requests.length;
    await onPage(page, '3-not-permitted', async () => {
      await page.goto(app('/?scenario=3'));
      await submitLdapForm(page, 'carol', slapd.userPassword);
      t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Not permitted');
      t.match(await page.locator('body').innerText(), /You signed in as carol, but you are not permitted to use this application/);
      t.notOk(sessionCookie(await context.cookies()), 'no session cookie');
      await screenshot(page, '3-not-permitted');
      await page.goto(app('/?scenario=3&again=1'));
      t.equal(new URL(page.url()).pathname, '/__authgate__/login', 'the app stays behind the login page');
      t.equal(shiny.requests.length, before, 'the app saw no request at all meanwhile');
      t.notOk(shiny.requests.some((r) => r.username === 'carol'), 'the upstream log has no request from carol');
      t.notMatch(shiny.log(), /carol/, 'nor does the R log');
      t.ok(audited('auth.login.failed', '"not-permitted"'), 'audited as not permitted');
    });
  });

  await t.test("4. OIDC: log in on the provider's own pages in the browser", async (t) => {
    const { context, page } = await freshPage(t, w);
    await onPage(page, '4-oidc-shiny', async () => {
      await page.goto(app('/?scenario=4'));
      await clickAndLoad(page, page.getByRole('link', { name: `Sign in with ${OIDC_NAME}` }));
      t.equal(new URL(page.url()).origin, w.idp.issuer, "on the provider's own login page");
      await screenshot(page, '4-oidc-provider-login');
      await page.locator('input[name=login]').fill('ada');
      await page.locator('input[name=password]').fill('any-password');
      await clickAndLoad(page, page.locator('button[type=submit]'));
      // oidc-provider asks for consent once per client; then its redirect reaches authgate's callback.
      if (new URL(page.url()).origin === w.idp.issuer) await clickAndLoad(page, page.locator('button[type=submit]'));
      t.equal(page.url(), app('/?scenario=4'), 'back at the originally requested path');
      const shown = await shinyShows(page);
      t.equal(shown.username, 'ada@example.com', 'the OIDC email is the username');
      t.equal(shown.role, 'administrator', 'the admins group maps to administrator');
      t.equal(await changeInput(page, 'oidc'), 'Echo: OIDC (4 characters)');
      t.ok(shiny.requests.some((r) => r.websocket && r.username === 'ada@example.com'));
      await screenshot(page, '4-oidc-shiny');
      // With logoutAtProvider, signing out continues at the provider's end-session page (the
      // logout form's CSP must allow that redirect), which then returns to authgate's login page.
      await page.goto(app('/__authgate__/logout'));
      await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
      t.equal(`${new URL(page.url()).origin}${new URL(page.url()).pathname}`, `${w.idp.issuer}/session/end`, "at the provider's end-session page");
      await clickAndLoad(page, page.getByRole('button', { name: 'Yes, sign me out' }));
      t.equal(new URL(page.url()).pathname, '/__authgate__/login', "back at authgate's login page");
      t.notOk(sessionCookie(await context.cookies()), 'signed out of authgate');
      await clickAndLoad(page, page.getByRole('link', { name: `Sign in with ${OIDC_NAME}` }));
      t.equal(new URL(page.url()).origin, w.idp.issuer);
      t.ok(await page.locator('input[name=login]').isVisible(), 'and of the provider: it asks for the login again');
    });
  });

  await t.test('5. three wrong passwords, then throttled; after the lockout the right one works', async (t) => {
    const { page } = await freshPage(t, w);
    await onPage(page, '5-throttled', async () => {
      await page.goto(app('/?scenario=5'));
      for (let i = 1; i <= 3; i++) {
        await submitLdapForm(page, 'dave', `wrong-${i}`);
        t.equal(await page.getByRole('alert').innerText(), 'Invalid username or password.', `wrong password ${i}`);
      }
      await submitLdapForm(page, 'dave', slapd.userPassword);
      t.match(await page.getByRole('alert').innerText(), /^Too many failed sign-in attempts\. Try again in \d+ seconds?\.$/, 'locked out, even with the right password');
      t.equal(new URL(page.url()).pathname, '/__authgate__/login');
      t.ok(audited('auth.login.throttled', '"dave"'));
      await screenshot(page, '5-throttled');
      w.advance(LOCKOUT_MS + 1000);
      await submitLdapForm(page, 'dave', slapd.userPassword);
      t.equal(page.url(), app('/?scenario=5'), 'the lockout is over');
      const shown = await shinyShows(page);
      t.equal(shown.username, 'dave');
      t.equal(shown.role, 'viewer', 'Staff only: the default role');
      await screenshot(page, '5-after-lockout');
    });
  });

  await t.test('6. logout: cookie gone, back at the login page, the old cookie is refused', async (t) => {
    const { context, page } = await freshPage(t, w);
    await onPage(page, '6-logged-out', async () => {
      await page.goto(app('/?scenario=6'));
      await submitLdapForm(page, 'bob', slapd.userPassword);
      t.equal((await shinyShows(page)).username, 'bob');
      const old = sessionCookie(await context.cookies());
      t.ok(old, 'a session cookie while logged in');
      await page.goto(app('/__authgate__/logout'));
      t.match(await page.locator('body').innerText(), /You are signed in as bob/);
      await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
      t.equal(new URL(page.url()).pathname, '/__authgate__/login');
      t.equal(await page.title(), TITLE, 'back at the login page');
      t.notOk(sessionCookie(await context.cookies()), 'the session cookie is gone');
      await screenshot(page, '6-logged-out');
      await page.goto(app('/?scenario=6&after=logout'));
      t.equal(new URL(page.url()).pathname, '/__authgate__/login', 'the browser must log in again');
      const seen = shiny.requests.length;
      const replay = await fetchText(ag, '/?scenario=6&replay=1', { headers: { cookie: `__Host-authgate=${old}`, accept: 'application/json' } });
      t.equal(replay.status, 401, 'the old cookie replayed by a plain HTTP client is refused');
      const replayHtml = await fetchText(ag, '/?scenario=6&replay=2', { headers: { cookie: `__Host-authgate=${old}`, accept: 'text/html' } });
      t.equal(replayHtml.status, 302);
      t.match(String(replayHtml.headers.location), /^\/__authgate__\/login\?rd=/);
      t.equal(shiny.requests.length, seen, 'the replays never reached the app');
      t.ok(audited('session.invalid', '"revoked"'), 'audited as a revoked session');
    });
  });

  await t.test("6b. signing out in the upstream (its sign-out URL is authgate's logout) ends the authgate session", async (t) => {
    const { context, page } = await freshPage(t, w);
    await onPage(page, '6b-upstream-sign-out', async () => {
      await page.goto(app('/?scenario=6b'));
      await submitLdapForm(page, 'bob', slapd.userPassword);
      t.equal((await shinyShows(page)).username, 'bob');
      const old = sessionCookie(await context.cookies());
      t.ok(old, 'a session cookie while logged in');
      await clickAndLoad(page, page.locator('#sign-out'));
      t.equal(new URL(page.url()).pathname, '/__authgate__/login', 'upstream sign-out -> authgate logout -> login page, no confirmation step');
      t.equal(await page.title(), TITLE);
      t.notOk(sessionCookie(await context.cookies()), 'the session cookie is gone');
      t.ok(shiny.requests.some((r) => r.url === '/auth-sign-out' && r.username === 'bob'), 'the sign-out went through the upstream');
      t.ok(audited('auth.logout', '"upstream-sign-out"'), 'audited as a logout through the upstream');
      const replay = await fetchText(ag, '/?scenario=6b&replay=1', { headers: { cookie: `__Host-authgate=${old}`, accept: 'application/json' } });
      t.equal(replay.status, 401, 'the old cookie is revoked');
      await screenshot(page, '6b-upstream-sign-out');
    });
  });

  await t.test('7. idle timeout: the next navigation goes to login and returns to the same path', async (t) => {
    const { page } = await freshPage(t, w);
    await onPage(page, '7-idle-expired', async () => {
      await page.goto(app('/?scenario=7'));
      await submitLdapForm(page, 'alice', slapd.userPassword);
      t.equal((await shinyShows(page)).search, '?scenario=7');
      w.advance(IDLE_MS + 60_000);
      await page.goto(app('/?scenario=7&step=after-idle'));
      const url = new URL(page.url());
      t.equal(url.pathname, '/__authgate__/login', 'the idle session sent the browser to log in');
      t.equal(url.searchParams.get('rd'), '/?scenario=7&step=after-idle');
      t.ok(audited('session.invalid', '"idle-expired"'));
      await screenshot(page, '7-idle-expired-login');
      await submitLdapForm(page, 'alice', slapd.userPassword);
      t.equal(page.url(), app('/?scenario=7&step=after-idle'), 'back at the same path after logging in');
      const shown = await shinyShows(page);
      t.equal(shown.search, '?scenario=7&step=after-idle');
      t.equal(shown.username, 'alice');
      await screenshot(page, '7-idle-relogin');
    });
  });

  await t.test('8. an address outside network.allow, named by a trusted proxy hop, gets the 403 page', async (t) => {
    const { page } = await freshPage(t, w, { extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.7' } });
    const before = shiny.requests.length;
    await onPage(page, '8-ip-forbidden', async () => {
      const response = await page.goto(app('/?scenario=8'));
      t.equal(response?.status(), 403);
      t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Forbidden');
      t.match(await page.locator('body').innerText(), /Access from your network address is not allowed/);
      const login = await page.goto(app('/__authgate__/login'));
      t.equal(login?.status(), 403, 'the login page is refused too');
      t.ok(audited('net.ip.refused', '"203.0.113.7"'), 'audited with the forwarded address');
      t.equal(shiny.requests.length, before, 'nothing reached the app');
      await screenshot(page, '8-ip-forbidden');
    });
    const allowed = await freshPage(t, w, { extraHTTPHeaders: { 'X-Forwarded-For': '127.0.0.9' } });
    await onPage(allowed.page, '8-ip-allowed', async () => {
      const response = await allowed.page.goto(app('/__authgate__/login'));
      t.equal(response?.status(), 200, 'a forwarded address inside network.allow still gets the login page');
    });
  });
});
