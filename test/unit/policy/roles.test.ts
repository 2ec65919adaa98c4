/** Connect's [Authorization] role semantics (src/policy/roles.ts). */
import t from 'tap';
import { resolveRole, type AuthorizationConfig } from '../../../src/policy/roles.ts';
import type { GroupRef } from '../../../src/core/identity.ts';

const base: AuthorizationConfig = { defaultUserRole: 'viewer', userRoleGroupMapping: false, userRoleMapping: false, viewerRoleMapping: [], publisherRoleMapping: [], administratorRoleMapping: [], userRoleMappingRestrictive: false };

const groups: GroupRef[] = [
  { name: 'Engineering', dn: 'CN=Engineering,OU=Groups,DC=example,DC=com', id: '33221100-5544-7766-8899-aabbccddeeff' },
  { name: 'Admins', dn: 'CN=Admins,OU=Groups,DC=example,DC=com' },
];

t.test('role resolution', async (t) => {
  const cases: { name: string; config: Partial<AuthorizationConfig>; groups?: GroupRef[]; roleValues?: string[]; fixedRole?: 'administrator'; role: string; source: string }[] = [
    { name: 'no mapping: default', config: {}, role: 'viewer', source: 'default' },
    { name: 'no mapping: default publisher', config: { defaultUserRole: 'publisher' }, role: 'publisher', source: 'default' },
    { name: 'fixed role wins', config: { userRoleGroupMapping: true, viewerRoleMapping: ['Engineering'] }, fixedRole: 'administrator', role: 'administrator', source: 'fixed' },
    { name: 'group mapping by name', config: { userRoleGroupMapping: true, publisherRoleMapping: ['engineering'] }, role: 'publisher', source: 'group-mapping' },
    { name: 'group mapping by DN, spacing and case', config: { userRoleGroupMapping: true, administratorRoleMapping: ['cn=admins, ou=groups, dc=example, dc=com'] }, role: 'administrator', source: 'group-mapping' },
    { name: 'group mapping by id', config: { userRoleGroupMapping: true, publisherRoleMapping: ['33221100-5544-7766-8899-AABBCCDDEEFF'] }, role: 'publisher', source: 'group-mapping' },
    { name: 'group mapping: most privileged wins', config: { userRoleGroupMapping: true, publisherRoleMapping: ['Engineering'], administratorRoleMapping: ['Admins'] }, role: 'administrator', source: 'group-mapping' },
    { name: 'group mapping: restrictive picks least', config: { userRoleGroupMapping: true, userRoleMappingRestrictive: true, publisherRoleMapping: ['Engineering'], administratorRoleMapping: ['Admins'] }, role: 'publisher', source: 'group-mapping' },
    { name: 'group mapping: restrictive can go below the default', config: { defaultUserRole: 'publisher', userRoleGroupMapping: true, userRoleMappingRestrictive: true, viewerRoleMapping: ['Admins'], administratorRoleMapping: ['Engineering'] }, role: 'viewer', source: 'group-mapping' },
    { name: 'group mapping: no match -> default', config: { userRoleGroupMapping: true, administratorRoleMapping: ['Other'] }, role: 'viewer', source: 'default' },
    { name: 'group mapping: a DN does not match a name', config: { userRoleGroupMapping: true, administratorRoleMapping: ['CN=Admins,OU=Other,DC=example,DC=com'] }, role: 'viewer', source: 'default' },
    { name: 'group mapping ignores attribute values', config: { userRoleGroupMapping: true, administratorRoleMapping: ['boss'] }, roleValues: ['boss'], role: 'viewer', source: 'default' },
    { name: 'attribute values as they are', config: { userRoleMapping: true }, roleValues: ['publisher'], role: 'publisher', source: 'attribute-value' },
    { name: 'attribute values: case-insensitive, most privileged', config: { userRoleMapping: true }, roleValues: ['Viewer', 'ADMINISTRATOR'], role: 'administrator', source: 'attribute-value' },
    { name: 'attribute values: restrictive', config: { userRoleMapping: true, userRoleMappingRestrictive: true }, roleValues: ['administrator', 'viewer'], role: 'viewer', source: 'attribute-value' },
    { name: 'attribute values: unknown value -> default', config: { userRoleMapping: true, defaultUserRole: 'publisher' }, roleValues: ['boss'], role: 'publisher', source: 'default' },
    { name: 'attribute mapping lists', config: { userRoleMapping: true, administratorRoleMapping: ['boss', 'root'], publisherRoleMapping: ['dev'] }, roleValues: ['dev', 'root'], role: 'administrator', source: 'attribute-mapping' },
    { name: 'attribute mapping lists: restrictive', config: { userRoleMapping: true, userRoleMappingRestrictive: true, administratorRoleMapping: ['root'], publisherRoleMapping: ['dev'] }, roleValues: ['dev', 'root'], role: 'publisher', source: 'attribute-mapping' },
    { name: 'with lists, plain role names are not special', config: { userRoleMapping: true, publisherRoleMapping: ['dev'] }, roleValues: ['administrator'], role: 'viewer', source: 'default' },
    { name: 'attribute mapping ignores groups', config: { userRoleMapping: true, administratorRoleMapping: ['Admins'] }, role: 'viewer', source: 'default' },
  ];
  for (const c of cases) {
    const result = resolveRole({ groups: c.groups ?? groups, roleValues: c.roleValues ?? [], ...(c.fixedRole ? { fixedRole: c.fixedRole } : {}) }, { ...base, ...c.config });
    t.match(result, { role: c.role, source: c.source }, c.name);
  }
});
