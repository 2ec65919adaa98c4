/** Local account passwords: the scrypt hash format and its verification (src/auth/local/password.ts). */
import t from 'tap';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../../src/auth/local/password.ts';

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
