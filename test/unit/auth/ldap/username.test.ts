/** Usernames and passwords refused before any bind (src/auth/ldap/username.ts). */
import t from 'tap';
import { usernameProblem, isBlankPassword, RESERVED_USERNAMES } from '../../../../src/auth/ldap/username.ts';

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
