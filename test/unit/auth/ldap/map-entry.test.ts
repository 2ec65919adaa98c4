/** LDAP entry -> Profile and GroupRef (src/auth/ldap/map-entry.ts). */
import t from 'tap';
import { makeEntry } from '../../../../src/auth/ldap/entry.ts';
import { entryToGroup, entryToProfile, uniqueIdOf } from '../../../../src/auth/ldap/map-entry.ts';

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
