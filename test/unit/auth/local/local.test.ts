import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../../src/auth/local/password.ts';
import { parseUsersFile, readUsersFile } from '../../../../src/auth/local/users-file.ts';

const FAST = { ln: 10, r: 8, p: 1 };
const hash = await hashPassword('correct horse battery staple', FAST);
const [, , params, salt, key] = hash.split('$') as [string, string, string, string, string];

t.test('hash format: parameters, salt and key in the string', async (t) => {
  t.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  t.equal(params, 'ln=10,r=8,p=1');
  t.equal(isPasswordHash(hash), true);
  t.not(await hashPassword('correct horse battery staple', FAST), hash, 'random salt');
});

const verifyCases: Array<[string, string, string, boolean]> = [
  ['right password', 'correct horse battery staple', hash, true],
  ['wrong password', 'correct horse battery stapler', hash, false],
  ['empty password', '', hash, false],
  ['case matters', 'Correct horse battery staple', hash, false],
  ['trailing space matters', 'correct horse battery staple ', hash, false],
  ['other salt', 'correct horse battery staple', `$scrypt$${params}$${'A'.repeat(22)}$${key}`, false],
  ['other parameters', 'correct horse battery staple', `$scrypt$ln=11,r=8,p=1$${salt}$${key}`, false],
  ['truncated key', 'correct horse battery staple', `$scrypt$${params}$${salt}$${key.slice(0, 22)}`, false],
  ['empty string', 'correct horse battery staple', '', false],
  ['bcrypt hash', 'correct horse battery staple', '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234', false],
  ['plain text password as hash', 'correct horse battery staple', 'correct horse battery staple', false],
  ['unknown algorithm', 'correct horse battery staple', hash.replace('$scrypt$', '$argon2$'), false],
  ['ln below 10', 'correct horse battery staple', `$scrypt$ln=9,r=8,p=1$${salt}$${key}`, false],
  ['ln above 20', 'correct horse battery staple', `$scrypt$ln=21,r=8,p=1$${salt}$${key}`, false],
  ['r of 0 (Node would silently use 8)', 'correct horse battery staple', `$scrypt$ln=10,r=0,p=1$${salt}$${key}`, false],
  ['p of 0 (Node would silently use 1)', 'correct horse battery staple', `$scrypt$ln=10,r=8,p=0$${salt}$${key}`, false],
  ['p of 99 (minutes of CPU)', 'correct horse battery staple', `$scrypt$ln=20,r=99,p=99$${salt}$${key}`, false],
  ['r too big for memory', 'correct horse battery staple', `$scrypt$ln=20,r=16,p=1$${salt}$${key}`, false],
  ['salt too short', 'correct horse battery staple', `$scrypt$${params}$abc$${key}`, false],
  ['missing key', 'correct horse battery staple', `$scrypt$${params}$${salt}$`, false],
  ['extra field', 'correct horse battery staple', `${hash}$x`, false],
  ['newline appended', 'correct horse battery staple', `${hash}\n`, false],
  ['parameters reordered', 'correct horse battery staple', `$scrypt$r=8,ln=10,p=1$${salt}$${key}`, false],
];
for (const [name, password, candidate, expected] of verifyCases) {
  t.test(`verifyPassword: ${name}`, async (t) => {
    t.equal(await verifyPassword(password, candidate), expected);
  });
}

t.test('passwords are compared after NFC normalisation', async (t) => {
  const composed = await hashPassword('caf\u00e9', FAST);
  t.equal(await verifyPassword('cafe\u0301', composed), true);
  t.equal(await verifyPassword('cafe', composed), false);
});

t.test('isPasswordHash accepts only sane parameters', async (t) => {
  t.equal(isPasswordHash(`$scrypt$ln=15,r=8,p=1$${salt}$${key}`), true);
  t.equal(isPasswordHash(`$scrypt$ln=20,r=8,p=1$${salt}$${key}`), true, '1 GiB is the limit');
  t.equal(isPasswordHash(`$scrypt$ln=20,r=9,p=1$${salt}$${key}`), false);
  t.equal(isPasswordHash(`$scrypt$ln=10,r=32,p=16$${salt}$${key}`), true);
  t.equal(isPasswordHash(`$scrypt$ln=10,r=33,p=1$${salt}$${key}`), false);
  t.equal(isPasswordHash(`$scrypt$ln=10,r=8,p=17$${salt}$${key}`), false);
});

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

t.test('a wrong password names the account (throttling counts against it); an unknown user names none', async (t) => {
  const { createLocalProvider } = await import('../../../../src/auth/local/provider.ts');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-local-'));
  const file = path.join(dir, 'users.yaml');
  writeFileSync(file, `users:\n  - username: kim\n    passwordHash: "${await hashPassword('kim-Passw0rd!', { ln: 10, r: 8, p: 1 })}"\n`);
  const p = createLocalProvider({ id: 'local', name: 'Local', usersFile: file });
  const context = { clientIp: '10.0.0.1', requestId: 'req-1' };
  t.same(await p.authenticate('kim', 'wrong', context), { ok: false, reason: 'bad-credentials', uniqueId: 'local:kim' });
  t.same(await p.authenticate('nobody', 'wrong', context), { ok: false, reason: 'bad-credentials' });
  t.match(await p.authenticate('kim', 'kim-Passw0rd!', context), { ok: true, profile: { uniqueId: 'local:kim' } });
});
