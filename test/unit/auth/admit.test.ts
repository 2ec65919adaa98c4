import t from 'tap';
import pino from 'pino';
import { admit } from '../../../src/auth/admit.ts';
import type { Profile } from '../../../src/core/identity.ts';
import { createProviders } from '../../../src/auth/registry.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import type { AuthorizationConfig } from '../../../src/policy/roles.ts';

const authz: AuthorizationConfig = { defaultUserRole: 'viewer', userRoleGroupMapping: true, userRoleMapping: false, viewerRoleMapping: [], publisherRoleMapping: ['Staff'], administratorRoleMapping: [], userRoleMappingRestrictive: false };
const profile = (...groups: string[]): Profile => ({ provider: 'p', uniqueId: 'u-1', username: 'ada', groups: groups.map((name) => ({ name })), roleValues: [] });

const cases: Array<{ name: string; groups: string[]; permitted: string[][]; ok: boolean; required?: string[]; through?: string[] }> = [
  { name: 'no lists: everyone', groups: [], permitted: [], ok: true, through: [] },
  { name: 'one empty list: everyone', groups: [], permitted: [[]], ok: true, through: [] },
  { name: 'member of one group of the list', groups: ['Staff'], permitted: [['Admins', 'Staff']], ok: true, through: ['Staff'] },
  { name: 'names match case-insensitively', groups: ['staff'], permitted: [['STAFF']], ok: true, through: ['STAFF'] },
  { name: 'member of none', groups: ['Guests'], permitted: [['Admins', 'Staff']], ok: false, required: ['Admins', 'Staff'] },
  { name: 'two lists (groupsFrom): both satisfied', groups: ['sso-users', 'Staff'], permitted: [['sso-users'], ['Staff']], ok: true, through: ['sso-users', 'Staff'] },
  { name: 'two lists: the directory list unsatisfied', groups: ['sso-users'], permitted: [['sso-users'], ['Staff']], ok: false, required: ['Staff'] },
  { name: 'two lists: the own list unsatisfied', groups: ['Staff'], permitted: [['sso-users'], ['Staff']], ok: false, required: ['sso-users'] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = admit(profile(...c.groups), c.permitted, authz, 1_700_000_000);
    t.equal(result.ok, c.ok);
    if (result.ok) {
      t.same(result.permittedThrough, c.through);
      t.equal(result.identity.refreshedAt, 1_700_000_000);
    } else {
      t.same(result.required, c.required);
    }
  });
}

t.test('role comes with the admission, with what matched', async (t) => {
  const result = admit(profile('Staff'), [], authz, 0);
  t.match(result, { ok: true, identity: { role: 'publisher', groups: ['Staff'] }, roleMatched: ['Staff'] });
});

t.test('OIDC with groupsFrom: ldap must satisfy the directory\'s permittedLoginGroups too', async (t) => {
  const text = [
    'upstream: { url: "http://127.0.0.1:3939" }',
    'publicUrl: https://authgate.example.com',
    'session: { secrets: "' + 's'.repeat(48) + '" }',
    'auth:',
    '  providers:',
    '    - { type: ldap, id: corp, name: Corp, serverAddress: "ldaps://127.0.0.1:1", bindDN: cn=svc, bindPassword: x, userSearchBaseDN: "dc=example,dc=com", userObjectClass: person, groupSearchBaseDN: "dc=example,dc=com", groupObjectClass: groupOfNames, permittedLoginGroups: [Staff] }',
    '    - { type: oidc, id: sso, name: SSO, issuer: "https://127.0.0.1:1", clientId: c, clientSecret: s, groupsFrom: ldap, permittedLoginGroups: [sso-users] }',
    '    - { type: oidc, id: plain, name: Plain, issuer: "https://127.0.0.1:1", clientId: c, clientSecret: s, permittedLoginGroups: [sso-users] }',
  ].join('\n');
  const loaded = loadConfigText(text, { env: {}, cwd: '/', fileName: '/authgate.yaml' });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const entries = await createProviders({ loaded: loaded.loaded, logger: pino({ level: 'silent' }), publicUrl: new URL('https://authgate.example.com') });
  t.teardown(() => Promise.all(entries.map((e) => e.password?.close?.())));
  const byId = new Map(entries.map((e) => [e.id, e.permittedLoginGroups]));
  t.same(byId.get('corp'), [['Staff']]);
  t.same(byId.get('sso'), [['sso-users'], ['Staff']]);
  t.same(byId.get('plain'), [['sso-users']]);
});
