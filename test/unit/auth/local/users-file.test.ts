/** The local users file: parsing, defaults, reading (src/auth/local/users-file.ts). */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../../../src/auth/local/password.ts';
import { parseUsersFile, readUsersFile } from '../../../../src/auth/local/users-file.ts';

const FAST = { ln: 10, r: 8, p: 1 };
const hash = await hashPassword('correct horse battery staple', FAST);

const usersCases: Array<{ name: string; text: string; problems?: string[]; users?: string[] }> = [
  {
    name: 'valid file',
    text: `users:\n  - username: admin\n    passwordHash: "${hash}"\n    email: admin@example.com\n    groups: [admins]\n    role: administrator\n  - username: bob\n    passwordHash: "${hash}"\n`,
    users: ['admin', 'bob'],
  },
  { name: 'empty list', text: 'users: []\n', users: [] },
  { name: 'not YAML', text: 'users: [\n', problems: ['not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:'] },
  { name: 'empty file', text: '', problems: ['(root): Invalid input: expected object, received null'] },
  { name: 'no users key', text: 'people: []\n', problems: ['users: Invalid input: expected array, received undefined', '(root): Unrecognized key: "people"'] },
  { name: 'bad hash', text: 'users:\n  - username: bob\n    passwordHash: hunter2\n', problems: ['users.0.passwordHash: is not an scrypt hash; create one with `authgate hash-password`'] },
  { name: 'username with a space', text: `users:\n  - username: bob smith\n    passwordHash: "${hash}"\n`, problems: ['users.0.username: must not contain spaces, / or \\'] },
  { name: 'username with a slash', text: `users:\n  - username: corp/bob\n    passwordHash: "${hash}"\n`, problems: ['users.0.username: must not contain spaces, / or \\'] },
  { name: 'unknown role', text: `users:\n  - username: bob\n    passwordHash: "${hash}"\n    role: root\n`, problems: ['users.0.role: Invalid option: expected one of "viewer"|"publisher"|"administrator"'] },
  { name: 'unknown key', text: `users:\n  - username: bob\n    passwordHash: "${hash}"\n    password: hunter2\n`, problems: ['users.0: Unrecognized key: "password"'] },
  { name: 'duplicate username', text: `users:\n  - username: bob\n    passwordHash: "${hash}"\n  - username: bob\n    passwordHash: "${hash}"\n`, problems: ['users: "bob" appears twice'] },
  {
    name: 'several problems at once',
    text: 'users:\n  - username: ""\n    passwordHash: x\n  - passwordHash: y\n',
    problems: [
      'users.0.username: Too small: expected string to have >=1 characters',
      'users.0.username: must not contain spaces, / or \\',
      'users.0.passwordHash: is not an scrypt hash; create one with `authgate hash-password`',
      'users.1.username: Invalid input: expected string, received undefined',
      'users.1.passwordHash: is not an scrypt hash; create one with `authgate hash-password`',
    ],
  },
];
for (const c of usersCases) {
  t.test(`users file: ${c.name}`, async (t) => {
    const result = parseUsersFile(c.text);
    if (c.problems) t.same('problems' in result ? result.problems : [], c.problems);
    else if ('users' in result) t.same([...result.users.keys()], c.users);
    else t.fail(`unexpected problems: ${result.problems.join('; ')}`);
  });
}

t.test('users file: defaults for groups and disabled', async (t) => {
  const result = parseUsersFile(`users:\n  - username: bob\n    passwordHash: "${hash}"\n`);
  if (!('users' in result)) throw new Error(result.problems.join('; '));
  t.same(result.users.get('bob'), { username: 'bob', passwordHash: hash, groups: [], disabled: false });
});

t.test('readUsersFile: reads a file; a missing file is a problem, not a throw', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-users-'));
  const file = path.join(dir, 'users.yaml');
  writeFileSync(file, `users:\n  - username: bob\n    passwordHash: "${hash}"\n`);
  const ok = readUsersFile(file);
  t.ok('users' in ok && ok.users.has('bob'));
  t.same(readUsersFile(path.join(dir, 'absent.yaml')), { problems: [`cannot read ${path.join(dir, 'absent.yaml')} (ENOENT)`] });
});
