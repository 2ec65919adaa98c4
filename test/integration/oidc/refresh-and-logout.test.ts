/**
 * Session life against the real provider: refresh tokens renew claims, a revoked refresh
 * token is refused (the session must end), one refresh at a time, logout at the provider,
 * and groupsFrom: ldap merging a directory lookup into the profile.
 */
import t from 'tap';
import { isAuthgateError } from '../../../src/core/errors.ts';
import { OidcLoginError } from '../../../src/auth/oidc/index.ts';
import type { Profile } from '../../../src/core/identity.ts';
import { oidcFixture, POST_LOGOUT_URI } from '../../support/oidc-fixture.ts';

t.test('refresh token flow', async (t) => {
  const f = await oidcFixture(t, { groupsClaim: 'groups' });
  const { profile, tokens } = await f.login('ada');
  const ada = f.idp.users.find((u) => u.sub === 'ada');
  ada!.groups = ['rstudio-users']; // membership changed at the provider

  const refreshed = await f.provider.refresh(tokens.refreshToken as string, profile.uniqueId);
  t.same(refreshed.profile.groups, [{ name: 'rstudio-users' }], 'claims re-read');
  t.equal(refreshed.profile.uniqueId, 'ada');
  t.type(refreshed.tokens.refreshToken, 'string', 'a refresh token to keep (same or rotated)');
  t.type(refreshed.tokens.idToken, 'string');

  const [a, b] = await Promise.all([
    f.provider.refresh(refreshed.tokens.refreshToken as string, 'ada'),
    f.provider.refresh(refreshed.tokens.refreshToken as string, 'ada'),
  ]);
  t.equal(a, b, 'concurrent refreshes of one token share one request');
  t.equal(f.idp.requests.filter((r) => r === 'POST /token').length, 3, 'login + two refresh grants');

  const wrongSubject = await f.provider.refresh(a.tokens.refreshToken as string, 'bob').then(() => undefined, (e: unknown) => e);
  t.equal((wrongSubject as OidcLoginError).reason, 'subject-changed');
  t.ok(isAuthgateError(wrongSubject, 'ERR_OIDC_REFRESH_REFUSED'));
});

t.test('a revoked refresh token is refused', async (t) => {
  const f = await oidcFixture(t);
  const { tokens } = await f.login('ada');
  await f.idp.revokeRefreshToken(tokens.refreshToken as string);
  const error = await f.provider.refresh(tokens.refreshToken as string, 'ada').then(() => undefined, (e: unknown) => e);
  t.ok(isAuthgateError(error, 'ERR_OIDC_REFRESH_REFUSED'), 'refused refresh: end the session');
  t.equal((error as OidcLoginError).reason, 'refresh-refused');
  t.equal((error as OidcLoginError).status, 401);
  t.match((error as OidcLoginError).detail, /invalid_grant/);
});

t.test('a refresh that no longer passes the domain rules is refused', async (t) => {
  const f = await oidcFixture(t, { preset: 'google', allowedDomains: ['example.com'] });
  const { tokens } = await f.login('ada');
  f.idp.users.find((u) => u.sub === 'ada')!.hd = 'elsewhere.com';
  const error = await f.provider.refresh(tokens.refreshToken as string, 'ada').then(() => undefined, (e: unknown) => e);
  t.equal((error as OidcLoginError).reason, 'hd-mismatch');
  t.ok(isAuthgateError(error, 'ERR_OIDC_REFRESH_REFUSED'));
});

t.test('logout at the provider', async (t) => {
  const f = await oidcFixture(t);
  const { tokens } = await f.login('ada');
  t.equal(f.provider.endSessionUrl(tokens.idToken, POST_LOGOUT_URI), undefined, 'off unless logoutAtProvider');
  const withLogout = f.makeProvider({ logoutAtProvider: true });
  await withLogout.health();
  const url = new URL(withLogout.endSessionUrl(tokens.idToken, POST_LOGOUT_URI) as string);
  t.equal(url.origin + url.pathname, `${f.idp.issuer}/session/end`);
  t.equal(url.searchParams.get('id_token_hint'), tokens.idToken);
  t.equal(url.searchParams.get('post_logout_redirect_uri'), POST_LOGOUT_URI);
  t.equal(url.searchParams.get('client_id'), f.idp.clientId);
});

t.test('groupsFrom: ldap merges the directory entry found by verified email', async (t) => {
  const looked: string[] = [];
  const directory: Record<string, Profile> = {
    'ada@example.com': { provider: 'corp-ad', uniqueId: 'guid-1', username: 'alovelace', groups: [{ name: 'RStudio Users', dn: 'CN=RStudio Users,DC=example,DC=com' }], roleValues: ['publisher'] },
  };
  const lookupByEmail = async (email: string) => {
    looked.push(email);
    return directory[email];
  };
  const f = await oidcFixture(t, { groupsFrom: 'ldap', groupsFromProvider: 'corp-ad', groupsClaim: 'groups' }, {}, { lookupByEmail });
  const { profile, tokens } = await f.login('ada');
  t.same(profile.groups.map((g) => g.name), ['rstudio-users', 'admins', 'RStudio Users']);
  t.same(profile.roleValues, ['publisher']);
  t.equal(profile.provider, 'test-idp', 'still an identity of the OIDC provider');
  t.equal(profile.username, 'ada@example.com');

  const bob = await f.login('bob');
  t.same(bob.profile.groups, [{ name: 'rstudio-users' }], 'not in the directory: claims only');
  t.same(looked, ['ada@example.com', 'bob@other.org']);

  await f.provider.refresh(tokens.refreshToken as string, 'ada');
  t.equal(looked.length, 3, 'looked up again on refresh');

  const eve = await f.login('eve').then(() => undefined, (e: unknown) => e);
  t.equal((eve as OidcLoginError).reason, 'email-unverified', 'never looked up by an unverified email');
  t.equal(looked.length, 3);

  t.throws(() => f.makeProvider({ groupsFrom: 'ldap' }, { lookupByEmail: undefined }), TypeError, 'misuse: lookup missing');
});
