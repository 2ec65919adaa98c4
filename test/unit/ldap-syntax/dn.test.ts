/** RFC 4514 DN escaping, parsing and comparison. */
import t from 'tap';
import fc from 'fast-check';
import { escapeDnValue, firstRdnValue, isWithin, normaliseDn, parseDn } from '../../../src/ldap-syntax/dn.ts';

t.test('escapeDnValue', async (t) => {
  const cases: [string, string][] = [
    ['alice', 'alice'],
    ['Smith, John', 'Smith\\, John'],
    ['a+b=c', 'a\\+b\\=c'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    ['#hash', '\\#hash'],
    ['in#side', 'in#side'],
    ['q"<>;\\', 'q\\"\\<\\>\\;\\\\'],
    ['nul\0', 'nul\\00'],
  ];
  for (const [input, expected] of cases) t.equal(escapeDnValue(input), expected, JSON.stringify(input));
  fc.assert(fc.property(fc.string({ minLength: 1 }), (s) => parseDn(`cn=${escapeDnValue(s)},dc=x`)?.[0]?.[0]?.value === s));
});

t.test('DN parsing and comparison', async (t) => {
  t.same(parseDn('CN=Smith\\, John+uid=js, OU=Users,DC=x'), [[{ type: 'cn', value: 'Smith, John' }, { type: 'uid', value: 'js' }], [{ type: 'ou', value: 'Users' }], [{ type: 'dc', value: 'x' }]]);
  t.same(parseDn('cn=caf\\c3\\a9,dc=x')?.[0], [{ type: 'cn', value: 'café' }]);
  t.equal(parseDn('not a dn'), undefined);
  const same: [string, string][] = [
    ['CN=Staff,OU=Groups,DC=example,DC=com', 'cn=staff, ou=groups, dc=example, dc=com'],
    ['cn = Staff , ou=Groups', 'CN=STAFF,OU=GROUPS'],
    ['cn=a+uid=b,dc=x', 'uid=b+cn=a,dc=x'],
    ['cn=caf\\c3\\a9,dc=x', 'cn=CAFÉ,dc=x'],
  ];
  for (const [a, b] of same) t.equal(normaliseDn(a), normaliseDn(b), `${a} == ${b}`);
  t.not(normaliseDn('cn=a,dc=x'), normaliseDn('cn=a,dc=y'));
  t.equal(normaliseDn('CN=A,  DC=X'), 'cn=a,dc=x');
  t.ok(isWithin('cn=a,ou=Groups,dc=x', 'OU=groups,DC=X'));
  t.ok(isWithin('ou=Groups,dc=x', 'ou=Groups,dc=x'));
  t.notOk(isWithin('cn=a,ou=OtherGroups,dc=x', 'ou=Groups,dc=x'));
  t.equal(firstRdnValue('CN=Engineering,OU=Groups,DC=x'), 'Engineering');
});
