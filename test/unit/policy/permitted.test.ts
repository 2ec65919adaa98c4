/** Permitted groups (src/policy/permitted.ts). */
import t from 'tap';
import { checkPermitted, groupMatcher } from '../../../src/policy/permitted.ts';
import type { GroupRef } from '../../../src/core/identity.ts';

const groups: GroupRef[] = [
  { name: 'Engineering', dn: 'CN=Engineering,OU=Groups,DC=example,DC=com', id: '33221100-5544-7766-8899-aabbccddeeff' },
  { name: 'Admins', dn: 'CN=Admins,OU=Groups,DC=example,DC=com' },
];

t.test('permitted groups', async (t) => {
  const cases: [string, string[], boolean][] = [
    ['empty list permits everyone', [], true],
    ['by name, case-insensitive', ['ADMINS'], true],
    ['by DN, spacing', ['CN=Engineering , OU=Groups, DC=example,DC=com'], true],
    ['by id', ['33221100-5544-7766-8899-aabbccddeeff'], true],
    ['none matches', ['Staff', 'CN=Staff,OU=Groups,DC=example,DC=com'], false],
    ['name of a DN-only group does not match a DN pattern elsewhere', ['CN=Admins,OU=Elsewhere,DC=example,DC=com'], false],
  ];
  for (const [name, permitted, expected] of cases) t.equal(checkPermitted({ groups }, permitted).permitted, expected, name);
  t.same(checkPermitted({ groups }, ['x', 'Admins']), { permitted: true, matched: ['Admins'] });
  t.notOk(groupMatcher('Engineering').matches({ name: 'Engineering2' }));
});
