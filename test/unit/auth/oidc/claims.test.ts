import t from 'tap';
import { checkIssuedAt, claimAt, claimStrings, mergeDirectoryProfile, profileFromClaims, type ClaimsPolicy } from '../../../../src/auth/oidc/claims.ts';

const generic: ClaimsPolicy = {
  providerId: 'idp',
  google: false,
  allowedDomains: [],
  usernameClaim: 'email',
  usernameLocalPart: false,
  requireVerifiedEmail: true,
  emailLookup: false,
};
const google: ClaimsPolicy = { ...generic, providerId: 'google', google: true, allowedDomains: ['example.com'] };

const ada = { sub: '1001', email: 'ada@example.com', email_verified: true, hd: 'example.com', given_name: 'Ada', family_name: 'Lovelace' };

const cases: { name: string; claims: Record<string, unknown>; policy: ClaimsPolicy; want: Record<string, unknown> | string }[] = [
  {
    name: 'generic: email as username, names, no groups',
    claims: ada,
    policy: generic,
    want: { provider: 'idp', uniqueId: '1001', username: 'ada@example.com', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', groups: [], roleValues: [] },
  },
  { name: 'no sub', claims: { ...ada, sub: undefined }, policy: generic, want: 'missing-claim' },
  { name: 'empty sub', claims: { ...ada, sub: '' }, policy: generic, want: 'missing-claim' },
  { name: 'local part of the username', claims: ada, policy: { ...generic, usernameLocalPart: true }, want: { username: 'ada' } },
  { name: 'local part keeps a username without @', claims: { ...ada, preferred_username: 'ada.l' }, policy: { ...generic, usernameClaim: 'preferred_username', usernameLocalPart: true }, want: { username: 'ada.l' } },
  { name: 'username claim missing', claims: ada, policy: { ...generic, usernameClaim: 'upn' }, want: 'missing-claim' },
  { name: 'numeric username claim', claims: { ...ada, employee: 4711 }, policy: { ...generic, usernameClaim: 'employee' }, want: { username: '4711' } },
  { name: 'nested username claim', claims: { ...ada, ext: { login: 'alove' } }, policy: { ...generic, usernameClaim: 'ext.login' }, want: { username: 'alove' } },
  { name: 'email_verified false, email is the username', claims: { ...ada, email_verified: false }, policy: generic, want: 'email-unverified' },
  { name: 'email_verified missing, email is the username', claims: { ...ada, email_verified: undefined }, policy: generic, want: 'email-unverified' },
  { name: 'email_verified as the string "true"', claims: { ...ada, email_verified: 'true' }, policy: generic, want: { email: 'ada@example.com' } },
  {
    name: 'requireVerifiedEmail false accepts a missing email_verified (Entra ID)',
    claims: { ...ada, email_verified: undefined },
    policy: { ...generic, requireVerifiedEmail: false },
    want: { username: 'ada@example.com', email: 'ada@example.com' },
  },
  { name: 'requireVerifiedEmail false still refuses email_verified false', claims: { ...ada, email_verified: false }, policy: { ...generic, requireVerifiedEmail: false }, want: 'email-unverified' },
  {
    name: 'unverified email not used: login ok, email not forwarded',
    claims: { ...ada, email_verified: false, preferred_username: 'ada' },
    policy: { ...generic, usernameClaim: 'preferred_username' },
    want: { username: 'ada', email: undefined },
  },
  { name: 'google: hd allowed', claims: ada, policy: google, want: { provider: 'google', username: 'ada@example.com' } },
  { name: 'google: hd compared case-insensitively', claims: { ...ada, hd: 'Example.COM' }, policy: google, want: { uniqueId: '1001' } },
  { name: 'google: other hd', claims: { ...ada, hd: 'evil.com' }, policy: google, want: 'hd-mismatch' },
  { name: 'google: email suffix matches but no hd (consumer account)', claims: { ...ada, hd: undefined }, policy: google, want: 'hd-mismatch' },
  { name: 'google: hd matches, email elsewhere', claims: { ...ada, email: 'ada@alias.net' }, policy: google, want: { email: 'ada@alias.net' } },
  { name: 'google: unverified email refused even when not the username', claims: { ...ada, email_verified: false }, policy: { ...google, usernameClaim: 'sub' }, want: 'email-unverified' },
  { name: 'google: subdomain of an allowed hd is not allowed', claims: { ...ada, hd: 'eng.example.com' }, policy: google, want: 'hd-mismatch' },
  { name: 'google: no allowedDomains, any account', claims: { ...ada, hd: undefined, email: 'x@gmail.com' }, policy: { ...google, allowedDomains: [] }, want: { username: 'x@gmail.com' } },
  { name: 'generic allowedDomains: verified email domain', claims: ada, policy: { ...generic, allowedDomains: ['EXAMPLE.com'] }, want: { username: 'ada@example.com' } },
  { name: 'generic allowedDomains: other domain', claims: { ...ada, email: 'ada@evil.com' }, policy: { ...generic, allowedDomains: ['example.com'] }, want: 'domain-not-allowed' },
  { name: 'generic allowedDomains: hd is ignored', claims: { ...ada, email: 'ada@evil.com', hd: 'example.com' }, policy: { ...generic, allowedDomains: ['example.com'] }, want: 'domain-not-allowed' },
  { name: 'generic allowedDomains: no email', claims: { sub: '1', preferred_username: 'a' }, policy: { ...generic, usernameClaim: 'preferred_username', allowedDomains: ['example.com'] }, want: 'domain-not-allowed' },
  { name: 'generic allowedDomains: @ inside the local part', claims: { ...ada, email: '"a@example.com"@evil.com' }, policy: { ...generic, allowedDomains: ['example.com'] }, want: 'domain-not-allowed' },
  { name: 'groups claim: list', claims: { ...ada, groups: ['a', 'b', 'a', '', 7, null] }, policy: { ...generic, groupsClaim: 'groups' }, want: { groups: [{ name: 'a' }, { name: 'b' }, { name: '7' }] } },
  { name: 'groups claim: single string', claims: { ...ada, groups: 'only' }, policy: { ...generic, groupsClaim: 'groups' }, want: { groups: [{ name: 'only' }] } },
  { name: 'groups claim: nested (Keycloak)', claims: { ...ada, realm_access: { roles: ['r1'] } }, policy: { ...generic, groupsClaim: 'realm_access.roles' }, want: { groups: [{ name: 'r1' }] } },
  { name: 'groups claim: absent', claims: ada, policy: { ...generic, groupsClaim: 'groups' }, want: { groups: [] } },
  { name: 'groups claim: object is ignored', claims: { ...ada, groups: { a: 1 } }, policy: { ...generic, groupsClaim: 'groups' }, want: { groups: [] } },
  { name: 'role claim', claims: { ...ada, role: 'publisher' }, policy: { ...generic, roleClaim: 'role' }, want: { roleValues: ['publisher'] } },
  { name: 'groups not read without groupsClaim', claims: { ...ada, groups: ['a'] }, policy: generic, want: { groups: [] } },
  { name: 'emailLookup needs a verified email', claims: { ...ada, email_verified: false }, policy: { ...generic, usernameClaim: 'sub', emailLookup: true }, want: 'email-unverified' },
  { name: 'emailLookup needs an email', claims: { sub: '1' }, policy: { ...generic, usernameClaim: 'sub', emailLookup: true }, want: 'missing-claim' },
  { name: 'emailLookup ignores requireVerifiedEmail false', claims: { ...ada, email_verified: undefined }, policy: { ...generic, requireVerifiedEmail: false, emailLookup: true }, want: 'email-unverified' },
  { name: 'blank names are dropped', claims: { ...ada, given_name: ' ', family_name: '' }, policy: generic, want: { firstName: undefined, lastName: undefined } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const outcome = profileFromClaims(c.claims, c.policy);
    if (typeof c.want === 'string') {
      t.equal(outcome.ok, false);
      if (!outcome.ok) t.equal(outcome.reason, c.want, outcome.detail);
      return;
    }
    t.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.reason}: ${outcome.detail}`);
    if (!outcome.ok) return;
    for (const [key, value] of Object.entries(c.want)) t.same((outcome.profile as unknown as Record<string, unknown>)[key], value, key);
  });
}

t.test('iat in the future', async (t) => {
  const table = [
    { iat: 1000, now: 1000, ok: true },
    { iat: 1030, now: 1000, ok: true },
    { iat: 1031, now: 1000, ok: false },
    { iat: undefined, now: 1000, ok: true },
  ];
  for (const row of table) {
    const outcome = checkIssuedAt({ iat: row.iat }, row.now, 30);
    t.equal(outcome === undefined, row.ok, `iat ${row.iat} at ${row.now}`);
    if (outcome && !outcome.ok) t.equal(outcome.reason, 'token-not-yet-valid');
  }
});

t.test('claimAt and claimStrings', async (t) => {
  t.equal(claimAt({ 'a.b': 1, a: { b: 2 } }, 'a.b'), 1, 'a literal dotted claim name wins');
  t.equal(claimAt({ a: { b: 2 } }, 'a.b'), 2);
  t.equal(claimAt({ a: [{ b: 2 }] }, 'a.b'), undefined);
  t.equal(claimAt({ a: {} }, 'a.constructor'), undefined, 'no prototype properties');
  t.same(claimStrings(' x '), ['x']);
  t.same(claimStrings(undefined), []);
  t.same(claimStrings([Infinity, 1]), ['1']);
});

t.test('mergeDirectoryProfile', async (t) => {
  const base = { provider: 'g', uniqueId: 's', username: 'u', groups: [{ name: 'a' }], roleValues: ['viewer'] };
  t.equal(mergeDirectoryProfile(base, undefined), base);
  const merged = mergeDirectoryProfile(base, { provider: 'ad', uniqueId: 'x', username: 'v', groups: [{ name: 'a', dn: 'CN=a' }, { name: 'b', dn: 'CN=b' }], roleValues: ['viewer', 'publisher'] });
  t.same(merged, { provider: 'g', uniqueId: 's', username: 'u', groups: [{ name: 'a' }, { name: 'b', dn: 'CN=b' }], roleValues: ['viewer', 'publisher'] });
});
