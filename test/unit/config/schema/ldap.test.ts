/** The ldap provider schema and the authorization role fields: defaults and exact cross-field messages. */
import t from 'tap';
import { ldapProviderSchema, ldapWarnings } from '../../../../src/config/schema/ldap.ts';
import { authorizationRolesSchema } from '../../../../src/config/schema/authorization-roles.ts';

const minimal = { type: 'ldap', name: 'Corp AD', serverAddress: 'ldaps://dc1.example.com:636', bindDN: 'EXAMPLE\\svc', bindPasswordFile: '/secrets/pw', userSearchBaseDN: 'OU=Users,DC=example,DC=com', userObjectClass: 'user' };

function issues(input: object): string[] {
  const result = ldapProviderSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

t.test('defaults as Connect documents them', async (t) => {
  const config = ldapProviderSchema.parse(minimal);
  t.match(config, {
    startTLS: false, serverTLSInsecure: false, allowInsecureLdap: false, anonymousBind: false,
    uniqueIdAttribute: 'DN', usernameAttribute: 'uid', groupUniqueIdAttribute: 'DN', groupNameAttribute: 'cn',
    groupMembership: 'memberOf', nestedGroups: false, nestedGroupsMaxDepth: 10, permittedLoginGroups: [],
    membershipUpdateInterval: 4 * 3_600_000, refreshGracePeriod: 15 * 60_000, connectTimeout: 5000, operationTimeout: 10_000, poolSize: 4, bindPoolSize: 4, logging: false,
  });
  t.same(ldapWarnings(config), []);
  t.same(ldapWarnings(ldapProviderSchema.parse({ ...minimal, serverTLSInsecure: true, bindPasswordFile: undefined, bindPassword: 'x' })), [
    ['serverTLSInsecure', 'is true: LDAP server certificates are NOT verified; set tlsCACertificate instead'],
    ['bindPassword', 'is inline; prefer bindPasswordFile or bindPasswordEnv'],
  ]);
});

t.test('cross-field errors', async (t) => {
  const cases: [string, object, string[]][] = [
    ['plaintext single address', { serverAddress: 'ldap://dc1:389' }, ['serverAddress: "ldap://dc1:389" is plaintext; use ldaps:// or set startTLS: true (or allowInsecureLdap: true for a lab)']],
    ['plaintext in a list', { serverAddress: ['ldaps://dc1:636', 'ldap://dc2:389'] }, ['serverAddress.1: "ldap://dc2:389" is plaintext; use ldaps:// or set startTLS: true (or allowInsecureLdap: true for a lab)']],
    ['plaintext with startTLS is fine', { serverAddress: 'ldap://dc1:389', startTLS: true }, []],
    ['plaintext lab', { serverAddress: 'ldap://dc1:389', allowInsecureLdap: true }, []],
    ['startTLS on ldaps', { startTLS: true }, ['serverAddress: "ldaps://dc1.example.com:636" is already TLS; startTLS: true is for ldap:// addresses (remove startTLS or use ldap://)']],
    ['not a URL', { serverAddress: 'dc1.example.com:636' }, ['serverAddress: "dc1.example.com:636" is not an LDAP URL; the scheme must be ldaps:// or ldap://']],
    ['URL with a DN', { serverAddress: 'ldaps://dc1/DC=x' }, ['serverAddress: "ldaps://dc1/DC=x" must hold only scheme, host and port; put base DNs in userSearchBaseDN / groupSearchBaseDN']],
    ['bad URL in a list', { serverAddress: ['ldaps://dc1:636', 'dc2'] }, ['serverAddress: [1] "dc2" is not an LDAP URL; write ldaps://host:636 or ldap://host:389']],
    ['empty list', { serverAddress: [] }, ['serverAddress: needs at least one address']],
    ['bindDN without password', { bindPasswordFile: undefined }, ['bindDN: needs a password: set bindPasswordFile (or bindPasswordEnv); or remove bindDN for single bind']],
    ['two password sources', { bindPasswordEnv: 'PW' }, ['bindPasswordEnv: give the password once: bindPasswordFile and bindPasswordEnv are both set']],
    ['password without bindDN', { bindDN: undefined }, ['bindPasswordFile: is set but bindDN is missing; add bindDN']],
    ['anonymous with bindDN', { anonymousBind: true }, ['anonymousBind: cannot be combined with bindDN; choose the service account or anonymous search']],
    ['template with double bind', { userBindTemplate: '{username}@example.com' }, ['userBindTemplate: is only used for single bind (no bindDN, no anonymousBind); remove it or remove bindDN / anonymousBind']],
    ['template without placeholder', { bindDN: undefined, bindPasswordFile: undefined, userBindTemplate: 'EXAMPLE\\user' }, ['userBindTemplate: must contain {username} exactly once']],
    ['single bind is fine', { bindDN: undefined, bindPasswordFile: undefined, userBindTemplate: 'EXAMPLE\\{username}' }, []],
    ['groups without object class', { groupSearchBaseDN: 'OU=Groups,DC=x' }, ['groupObjectClass: is required with groupSearchBaseDN (for example group on AD, groupOfNames on OpenLDAP)']],
    ['permitted without groups', { permittedLoginGroups: ['Staff'] }, ['permittedLoginGroups: needs groupSearchBaseDN: without it no groups are read and nobody could log in']],
    ['search without group base', { groupMembership: 'search' }, ['groupMembership: search needs groupSearchBaseDN']],
    ['bad filter', { userFilterBase: '(objectClass=user' }, ['userFilterBase: is not an LDAP filter: unbalanced parentheses']],
    ['bad base DN', { userSearchBaseDN: 'Users' }, ['userSearchBaseDN: is not a distinguished name; write it like OU=Users,DC=example,DC=com']],
    ['bad attribute', { usernameAttribute: 'sam account' }, ['usernameAttribute: is not an LDAP attribute name (letters, digits, "-", or an OID)']],
    ['no bind connections', { bindPoolSize: 0 }, ['bindPoolSize: Too small: expected number to be >=1']],
    ['too many bind connections', { bindPoolSize: 65 }, ['bindPoolSize: Too big: expected number to be <=64']],
    ['fractional bind pool', { bindPoolSize: 2.5 }, ['bindPoolSize: Invalid input: expected int, received number']],
    ['bad duration', { membershipUpdateInterval: 'soon' }, ['membershipUpdateInterval: is not a duration; write a number and a unit (ms, s, m, h, d), for example 30s, 15m, 8h or 7d']],
  ];
  for (const [name, overrides, expected] of cases) t.same(issues({ ...minimal, ...overrides }), expected, name);
  t.match(issues({ ...minimal, bindPasswrd: 'x' }), [/Unrecognized key/], 'unknown keys are errors');
});

t.test('authorization role fields', async (t) => {
  t.same(authorizationRolesSchema.parse({}), { defaultUserRole: 'viewer', userRoleGroupMapping: false, userRoleMapping: false, viewerRoleMapping: [], publisherRoleMapping: [], administratorRoleMapping: [], userRoleMappingRestrictive: false });
  const cases: [string, object, string[]][] = [
    ['both mappings', { userRoleGroupMapping: true, userRoleMapping: true }, ['userRoleMapping: cannot be enabled together with userRoleGroupMapping (as in RStudio Connect); choose group mapping or attribute mapping']],
    ['lists without a mapping', { administratorRoleMapping: ['Admins'] }, ['administratorRoleMapping: is set but ignored; set userRoleGroupMapping: true (groups) or userRoleMapping: true (attribute values)']],
    ['bad role', { defaultUserRole: 'owner' }, [/defaultUserRole: Invalid option/.source]],
    ['group mapping ok', { userRoleGroupMapping: true, publisherRoleMapping: ['Engineering'] }, []],
  ];
  for (const [name, input, expected] of cases) {
    const result = authorizationRolesSchema.safeParse(input);
    const got = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    if (name === 'bad role') t.match(got[0], /^defaultUserRole: Invalid option/, name);
    else t.same(got, expected, name);
  }
});
