/** objectGUID rendering, entry -> Profile, AD account state and bind sub-codes, usernames, error translation. */
import t from 'tap';
import { guidToBytes, guidToString } from '../../../../src/auth/ldap/guid.ts';
import { makeEntry } from '../../../../src/auth/ldap/entry.ts';
import { entryToGroup, entryToProfile, uniqueIdOf } from '../../../../src/auth/ldap/map-entry.ts';
import { accountBlock, adBindFailure, filetimeToMs } from '../../../../src/auth/ldap/account.ts';
import { usernameProblem, isBlankPassword, RESERVED_USERNAMES } from '../../../../src/auth/ldap/username.ts';
import { translateLdapError } from '../../../../src/auth/ldap/errors.ts';

t.test('objectGUID bytes -> GUID string (mixed-endian first three fields)', async (t) => {
  const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  t.equal(guidToString(bytes), '33221100-5544-7766-8899-aabbccddeeff');
  t.same(guidToBytes('33221100-5544-7766-8899-AABBCCDDEEFF'), bytes, 'round trip');
  t.equal(guidToString(Buffer.alloc(15)), undefined);
  t.equal(guidToBytes('nope'), undefined);
});

t.test('entry -> profile and groups', async (t) => {
  const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const entry = makeEntry('CN=Alice,CN=Users,DC=x', { objectGUID: [guid], sAMAccountName: ['alice'], mail: ['a@x'], givenName: ['Alice'], sn: [''], role: ['publisher', 'viewer'] });
  const config = { uniqueIdAttribute: 'objectguid', usernameAttribute: 'samaccountname', userEmailAttribute: 'mail', userFirstNameAttribute: 'givenName', userLastNameAttribute: 'sn', userRoleAttribute: 'role' };
  t.same(entryToProfile('ad', entry, config, []), {
    ok: true,
    profile: { provider: 'ad', uniqueId: '33221100-5544-7766-8899-aabbccddeeff', username: 'alice', groups: [], roleValues: ['publisher', 'viewer'], email: 'a@x', firstName: 'Alice' },
  }, 'attribute names are case-insensitive; empty values are absent');
  t.equal(uniqueIdOf(entry, 'DN'), 'CN=Alice,CN=Users,DC=x');
  t.equal(uniqueIdOf(makeEntry('x=1', { entryUUID: ['15b40b46-7b7d-1041-84fa-657b6531f062'] }), 'entryUUID'), '15b40b46-7b7d-1041-84fa-657b6531f062', 'entryUUID as-is');
  t.match(entryToProfile('ad', makeEntry('cn=x', {}), config, []), { ok: false, problem: /no usable objectguid/ });
  t.same(entryToGroup(makeEntry('CN=Eng,DC=x', { objectGUID: [guid] }), { groupNameAttribute: 'sAMAccountName', groupUniqueIdAttribute: 'objectGUID' }),
    { name: 'Eng', dn: 'CN=Eng,DC=x', id: '33221100-5544-7766-8899-aabbccddeeff' }, 'name falls back to the RDN');
});

t.test('AD account state', async (t) => {
  const now = Date.UTC(2025, 5, 1);
  const filetime = (ms: number) => String(BigInt(ms) * 10_000n + 116_444_736_000_000_000n);
  const cases: [string, Record<string, string[]>, string | undefined][] = [
    ['normal', { userAccountControl: ['512'] }, undefined],
    ['disabled (bit 2)', { userAccountControl: ['514'] }, 'disabled'],
    ['locked (computed)', { userAccountControl: ['512'], 'msDS-User-Account-Control-Computed': ['16'] }, 'locked'],
    ['expired', { userAccountControl: ['512'], accountExpires: [filetime(now - 1000)] }, 'expired'],
    ['expires later', { accountExpires: [filetime(now + 1000)] }, undefined],
    ['never expires (0)', { accountExpires: ['0'] }, undefined],
    ['never expires (max)', { accountExpires: ['9223372036854775807'] }, undefined],
    ['password expired', { 'msDS-User-Account-Control-Computed': [String(0x800000)] }, 'password-expired'],
    ['OpenLDAP entry', {}, undefined],
  ];
  for (const [name, attributes, expected] of cases) t.equal(accountBlock(makeEntry('cn=x', attributes), now), expected, name);
  t.equal(filetimeToMs('0'), undefined, '0 = never');
  t.equal(filetimeToMs('116444736000000000'), 0, 'the Unix epoch');
  t.equal(filetimeToMs(filetime(now)), now);
  const codes: [string, string | undefined][] = [
    ['80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1', 'bad-password'],
    ['... data 533, v1db1', 'disabled'],
    ['... data 775, v1db1', 'locked'],
    ['... data 701, v1db1', 'expired'],
    ['... data 773, v1db1', 'password-expired'],
    ['Invalid credentials', undefined],
  ];
  for (const [message, expected] of codes) t.equal(adBindFailure(message), expected, message);
});

t.test('usernames and passwords refused before any bind', async (t) => {
  t.equal(RESERVED_USERNAMES.size, 20);
  const cases: [string, string | undefined][] = [
    ['alice', undefined],
    ['zoë', undefined],
    ['EXAMPLE\\alice', undefined],
    ['', 'Enter a username.'],
    ['a/b', 'Usernames containing "/" are not supported.'],
    ['Settings', '"Settings" is a reserved name and cannot be used to log in.'],
    ['user-completion', '"user-completion" is a reserved name and cannot be used to log in.'],
    ['a\u0000', 'Usernames cannot contain control characters.'],
    ['x'.repeat(257), 'Usernames are at most 256 characters.'],
  ];
  for (const [input, expected] of cases) t.equal(usernameProblem(input), expected, JSON.stringify(input.slice(0, 20)));
  for (const [password, blank] of [['', true], [' \t\n', true], [' x ', false]] as const) t.equal(isBlankPassword(password), blank);
});

t.test('library errors -> AuthgateError codes, original kept as cause', async (t) => {
  const withCode = (code: number, message = 'x') => Object.assign(new Error(message), { code });
  const cases: [string, unknown, string, string][] = [
    ['49 user bind', withCode(49), 'user-bind', 'ERR_BAD_CREDENTIALS'],
    ['49 data 533', withCode(49, 'AcceptSecurityContext error, data 533, v1db1'), 'user-bind', 'ERR_ACCOUNT_DISABLED'],
    ['49 service bind', withCode(49), 'service-bind', 'ERR_LDAP_CONFIG'],
    ['8 strong auth', withCode(8), 'user-bind', 'ERR_LDAP_STRONG_AUTH_REQUIRED'],
    ['13 confidentiality', withCode(13), 'search', 'ERR_LDAP_STRONG_AUTH_REQUIRED'],
    ['10 referral', withCode(10), 'search', 'ERR_LDAP_REFERRAL'],
    ['52 unavailable', withCode(52), 'search', 'ERR_LDAP_UNAVAILABLE'],
    ['refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'connect', 'ERR_LDAP_UNAVAILABLE'],
    ['timeout', new Error('SearchRequest: Operation timed out'), 'search', 'ERR_LDAP_UNAVAILABLE'],
    ['bad CA', Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'connect', 'ERR_LDAP_TLS'],
    ['bad name', Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'connect', 'ERR_LDAP_TLS'],
  ];
  for (const [name, error, operation, code] of cases) {
    const translated = translateLdapError(error, operation as 'search', 'ldaps://dc1:636');
    t.equal(translated.code, code, name);
    t.equal(translated.cause, error, `${name}: cause kept`);
    t.match(translated.detail, /ldaps:\/\/dc1:636/, `${name}: detail names the address`);
  }
});
