import t from 'tap';
import { checkCsrf, csrfToken, newBrowserNonce } from '../../../../src/server/routes/csrf.ts';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const nonce = 'browser-nonce-1';
const good = csrfToken(key, nonce, 'login');

const cases: Array<{ name: string; key?: Buffer; bound: string | undefined; purpose?: 'login' | 'logout'; token: unknown; expected: boolean }> = [
  { name: 'the right token', bound: nonce, token: good, expected: true },
  { name: 'token for another browser', bound: 'browser-nonce-2', token: good, expected: false },
  { name: 'token for the other purpose', bound: nonce, purpose: 'logout', token: good, expected: false },
  { name: 'token made with another key', key: otherKey, bound: nonce, token: good, expected: false },
  { name: 'no bound value (no cookie)', bound: undefined, token: good, expected: false },
  { name: 'empty bound value', bound: '', token: csrfToken(key, '', 'login'), expected: false },
  { name: 'missing token', bound: nonce, token: undefined, expected: false },
  { name: 'empty token', bound: nonce, token: '', expected: false },
  { name: 'token as an array', bound: nonce, token: [good], expected: false },
  { name: 'truncated token', bound: nonce, token: good.slice(0, -1), expected: false },
  { name: 'token with one character changed', bound: nonce, token: `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`, expected: false },
  { name: 'over-long token', bound: nonce, token: `${good}${'A'.repeat(100)}`, expected: false },
  { name: 'multi-byte token of the same length', bound: nonce, token: 'é'.repeat(good.length), expected: false },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(checkCsrf(c.key ?? key, c.bound, c.purpose ?? 'login', c.token), c.expected);
  });
}

t.test('logout tokens are bound to the session id', async (t) => {
  const token = csrfToken(key, 'sid-1', 'logout');
  t.equal(checkCsrf(key, 'sid-1', 'logout', token), true);
  t.equal(checkCsrf(key, 'sid-2', 'logout', token), false);
});

t.test('tokens are deterministic and URL-safe', async (t) => {
  t.equal(csrfToken(key, nonce, 'login'), good);
  t.match(good, /^[A-Za-z0-9_-]{43}$/);
});

t.test('browser nonces are random and URL-safe', async (t) => {
  const a = newBrowserNonce();
  t.match(a, /^[A-Za-z0-9_-]{24}$/);
  t.not(a, newBrowserNonce());
});
