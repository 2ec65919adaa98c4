/**
 * Full browserless logins against the real oidc-provider over HTTPS: profile mapping, the
 * Google preset (hd, email_verified, hints) and errors sent back by the provider.
 */
import t from 'tap';
import { isAuthgateError } from '../../../src/core/errors.ts';
import { OidcLoginError } from '../../../src/auth/oidc/index.ts';
import { oidcFixture, REDIRECT_URI } from '../../support/oidc-fixture.ts';

t.test('a full login returns a profile and tokens', async (t) => {
  const f = await oidcFixture(t, { groupsClaim: 'groups', roleClaim: 'role' });
  const { profile, tokens } = await f.login('ada');
  t.same(profile, {
    provider: 'test-idp',
    uniqueId: 'ada',
    username: 'ada@example.com',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    groups: [{ name: 'rstudio-users' }, { name: 'admins' }],
    roleValues: ['administrator'],
  });
  t.type(tokens.refreshToken, 'string');
  t.type(tokens.idToken, 'string');
  t.ok(tokens.expiresAt && tokens.expiresAt > Date.now() / 1000, 'access token expiry in the future');
});

t.test('the authorization request carries PKCE S256, state, nonce and the scopes', async (t) => {
  const f = await oidcFixture(t);
  const { authorizationUrl, transaction } = await f.provider.beginLogin('/return/here');
  const url = new URL(authorizationUrl);
  t.equal(url.origin, f.idp.issuer);
  t.equal(url.searchParams.get('code_challenge_method'), 'S256');
  t.match(url.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  t.equal(url.searchParams.get('state'), transaction.state);
  t.equal(url.searchParams.get('nonce'), transaction.nonce);
  t.equal(url.searchParams.get('scope'), 'openid email profile');
  t.equal(url.searchParams.get('redirect_uri'), REDIRECT_URI);
  t.equal(url.searchParams.get('prompt'), null, 'no prompt unless configured (generic issuer)');
  t.equal(transaction.returnTo, '/return/here');
  t.equal(transaction.provider, 'test-idp');
  t.same(JSON.parse(JSON.stringify(transaction)), transaction, 'transaction is JSON-serialisable');
  const second = await f.provider.beginLogin('/');
  t.not(second.transaction.state, transaction.state, 'state is fresh per login');
  t.not(second.transaction.codeVerifier, transaction.codeVerifier, 'verifier is fresh per login');
});

t.test('Google preset', async (t) => {
  const f = await oidcFixture(t, { preset: 'google', allowedDomains: ['example.com'] });
  const { authorizationUrl } = await f.provider.beginLogin('/');
  const url = new URL(authorizationUrl);
  t.equal(url.searchParams.get('hd'), 'example.com', 'hd hint sent');
  t.equal(url.searchParams.get('prompt'), 'select_account', 'account chooser by default');
  const several = f.makeProvider({ preset: 'google', allowedDomains: ['example.com', 'example.org'], prompt: 'consent', membershipUpdateInterval: '1h' });
  const url2 = new URL((await several.beginLogin('/')).authorizationUrl);
  t.equal(url2.searchParams.get('hd'), '*', 'several domains: hd=* hint, checked afterwards');
  t.equal(url2.searchParams.get('prompt'), 'consent');
  t.equal(url2.searchParams.get('access_type'), 'offline', 'refresh tokens requested when claims are refreshed');

  const cases = [
    { user: 'ada', ok: 'ada@example.com', why: 'hd example.com' },
    { user: 'cat', ok: 'cat@alias.net', why: 'hd example.com, email on another domain: hd decides' },
    { user: 'bob', reason: 'hd-mismatch', why: 'another Workspace domain' },
    { user: 'mal', reason: 'hd-mismatch', why: 'consumer account with an @example.com address: no hd' },
    { user: 'gus', reason: 'hd-mismatch', why: 'gmail.com account' },
    { user: 'eve', reason: 'email-unverified', why: 'email_verified false' },
  ];
  for (const c of cases) {
    t.test(`${c.user}: ${c.why}`, async (t) => {
      if (c.ok) {
        const { profile } = await f.login(c.user);
        t.equal(profile.username, c.ok);
        return;
      }
      const error = await f.login(c.user).then(() => undefined, (e: unknown) => e);
      t.ok(error instanceof OidcLoginError, 'refused with an OidcLoginError');
      t.equal((error as OidcLoginError).reason, c.reason);
      t.equal((error as OidcLoginError).code, 'ERR_OIDC_CALLBACK');
      t.equal((error as OidcLoginError).status, 401);
    });
  }
});

t.test('username options and claims found only at userinfo', async (t) => {
  const f = await oidcFixture(t, { usernameLocalPart: true, groupsClaim: 'groups' }, { claimsInIdToken: false });
  const { profile } = await f.login('ada');
  t.equal(profile.username, 'ada', 'local part of the email');
  t.same(profile.groups, [{ name: 'rstudio-users' }, { name: 'admins' }], 'groups from userinfo');
  t.equal(profile.firstName, 'Ada');

  const bySub = f.makeProvider({ usernameClaim: 'sub', groupsClaim: 'groups' });
  const nem = await f.login('nem', bySub);
  t.equal(nem.profile.username, 'nem');
  t.equal(nem.profile.email, undefined);
  t.same(nem.profile.groups, [{ name: 'ops' }]);

  const error = await f.login('nem').then(() => undefined, (e: unknown) => e);
  t.equal((error as OidcLoginError).reason, 'missing-claim', 'no email claim for usernameClaim: email');
});

t.test('an error sent back by the provider is refused with its reason', async (t) => {
  const f = await oidcFixture(t);
  const { transaction } = await f.provider.beginLogin('/');
  const callback = new URL(REDIRECT_URI);
  callback.search = new URLSearchParams({ error: 'access_denied', error_description: 'user cancelled', state: transaction.state, iss: f.idp.issuer }).toString();
  const error = await f.provider.completeLogin(callback, transaction).then(() => undefined, (e: unknown) => e);
  t.ok(isAuthgateError(error, 'ERR_OIDC_CALLBACK'));
  t.equal((error as OidcLoginError).reason, 'provider-error');
  t.match((error as OidcLoginError).detail, /access_denied user cancelled/);
});

t.test('same sub from two providers gives two distinct profiles', async (t) => {
  const f = await oidcFixture(t);
  const other = f.makeProvider({ id: 'other-idp', name: 'Other' });
  const a = await f.login('ada');
  const b = await f.login('ada', other);
  t.equal(a.profile.uniqueId, b.profile.uniqueId);
  t.not(a.profile.provider, b.profile.provider, 'the provider id keeps them apart');
});
