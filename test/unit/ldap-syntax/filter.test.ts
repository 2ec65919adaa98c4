/** RFC 4515 filter escaping and filter building. */
import t from 'tap';
import fc from 'fast-check';
import { and, equals, escapeFilterValue, filterProblem, groupsInChainFilter, groupsWithMembersFilter, or, userByNameFilter } from '../../../src/ldap-syntax/filter.ts';

t.test('escapeFilterValue', async (t) => {
  const cases: [string, string][] = [
    ['alice', 'alice'],
    ['*', '\\2a'],
    ['alice)(uid=*', 'alice\\29\\28uid=\\2a'],
    ['a\\b', 'a\\5cb'],
    ['nul\0', 'nul\\00'],
    ['zoë', 'zoë'],
    ['(*)', '\\28\\2a\\29'],
    ['', ''],
  ];
  for (const [input, expected] of cases) t.equal(escapeFilterValue(input), expected, JSON.stringify(input));
  fc.assert(fc.property(fc.string(), (s) => !/[()*\0]/.test(escapeFilterValue(s)) && !/\\(?![0-9a-f]{2})/.test(escapeFilterValue(s))));
});

t.test('filter building', async (t) => {
  const cases: [string, string, string][] = [
    ['equals', equals('uid', 'a*'), '(uid=a\\2a)'],
    ['and of one', and('objectClass=user'), '(objectClass=user)'],
    ['and', and('(objectClass=user)', equals('uid', 'x')), '(&(objectClass=user)(uid=x))'],
    ['or', or(equals('member', 'cn=a,dc=x'), equals('member', 'cn=b,dc=x')), '(|(member=cn=a,dc=x)(member=cn=b,dc=x))'],
    ['user filter', userByNameFilter({ userObjectClass: 'user', usernameAttribute: 'sAMAccountName' }, 'bob)('), '(&(objectClass=user)(sAMAccountName=bob\\29\\28))'],
    ['user filter base', userByNameFilter({ userFilterBase: '(&(objectClass=user)(!(x=1)))', userObjectClass: 'user', usernameAttribute: 'uid' }, 'b'), '(&(&(objectClass=user)(!(x=1)))(uid=b))'],
    ['members', groupsWithMembersFilter({ groupObjectClass: 'group' }, 'member', ['CN=A (x),DC=y']), '(&(objectClass=group)(member=CN=A \\28x\\29,DC=y))'],
    ['in chain', groupsInChainFilter({ groupObjectClass: 'group' }, 'member', 'CN=A,DC=y'), '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=A,DC=y))'],
  ];
  for (const [name, actual, expected] of cases) t.equal(actual, expected, name);
  t.throws(() => equals('uid)(x', 'a'), TypeError, 'attribute names are checked');
});

t.test('filterProblem', async (t) => {
  const cases: [string, string | undefined][] = [
    ['objectClass=user', undefined],
    ['(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))', undefined],
    ['(objectClass=user', 'unbalanced parentheses'],
    ['(a=b))', 'text after the closing parenthesis; combine filters with (&...)'],
    ['(a=b)(c=d)', 'text after the closing parenthesis; combine filters with (&...)'],
    ['(a=\\zz)', 'bad escape at position 3; write \\XX with two hex digits'],
    ['(&())', 'empty parentheses "()"'],
  ];
  for (const [input, expected] of cases) t.equal(filterProblem(input), expected, input);
});
