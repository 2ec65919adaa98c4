import t from 'tap';
import fc from 'fast-check';
import { clearHostCookie, hostCookie, readCookie, withoutCookies } from '../../../src/session/cookies.ts';

const readCases: Array<{ name: string; header: string | string[] | undefined; cookie?: string; expected: string | undefined }> = [
  { name: 'no header', header: undefined, expected: undefined },
  { name: 'empty header', header: '', expected: undefined },
  { name: 'single cookie', header: '__Host-authgate=abc', expected: 'abc' },
  { name: 'among others', header: 'a=1; __Host-authgate=abc; b=2', expected: 'abc' },
  { name: 'no space after semicolon', header: 'a=1;__Host-authgate=abc;b=2', expected: 'abc' },
  { name: 'extra whitespace', header: '  a=1 ;   __Host-authgate =  abc  ; b=2', expected: 'abc' },
  { name: 'first occurrence wins', header: '__Host-authgate=first; __Host-authgate=second', expected: 'first' },
  { name: 'quoted value', header: '__Host-authgate="abc"', expected: 'abc' },
  { name: 'lone quote is kept', header: '__Host-authgate="', expected: '"' },
  { name: 'empty value', header: '__Host-authgate=', expected: '' },
  { name: 'value with =', header: '__Host-authgate=a=b=c', expected: 'a=b=c' },
  { name: 'name is case-sensitive', header: '__host-authgate=abc', expected: undefined },
  { name: 'prefix of another name does not match', header: '__Host-authgatex=abc', expected: undefined },
  { name: 'suffix of another name does not match', header: 'x__Host-authgate=abc', expected: undefined },
  { name: 'pair without = before ours', header: 'garbage; __Host-authgate=abc', expected: 'abc' },
  { name: 'pair without = and no = anywhere', header: 'garbage;more garbage', expected: undefined },
  { name: 'only semicolons', header: ';;;;;', expected: undefined },
  { name: 'our name as a value elsewhere', header: 'x=__Host-authgate=abc', expected: undefined },
  { name: 'several Cookie headers (HTTP/2 style array)', header: ['a=1', '__Host-authgate=abc'], expected: 'abc' },
  { name: 'binary garbage around', header: '\u0000\u00ff=\u0001; __Host-authgate=abc; \ufffd', expected: 'abc' },
  { name: 'header over 16 KiB is ignored', header: `__Host-authgate=abc; pad=${'x'.repeat(16_400)}`, expected: undefined },
  { name: 'other cookie name', header: 'a=1; csrf=zz', cookie: 'csrf', expected: 'zz' },
];
for (const c of readCases) {
  t.test(`readCookie: ${c.name}`, async (t) => {
    t.equal(readCookie(c.header, c.cookie ?? '__Host-authgate'), c.expected);
  });
}

t.test('readCookie: thousands of cookies, ours first, found', async (t) => {
  const header = ['__Host-authgate=abc', ...Array.from({ length: 3000 }, (_, i) => `c${i}=v`)].join('; ');
  t.equal(readCookie(header, '__Host-authgate'), header.length > 16_384 ? undefined : 'abc');
  const small = ['__Host-authgate=abc', ...Array.from({ length: 2000 }, (_, i) => `${i}=`)].join(';');
  t.ok(small.length <= 16_384);
  t.equal(readCookie(small, '__Host-authgate'), 'abc');
});

t.test('readCookie: thousands of cookies before ours: bounded work, no answer, no error', async (t) => {
  const header = [...Array.from({ length: 2000 }, (_, i) => `${i}=`), '__Host-authgate=abc'].join(';');
  t.ok(header.length <= 16_384);
  const started = performance.now();
  t.equal(readCookie(header, '__Host-authgate'), undefined);
  t.ok(performance.now() - started < 50);
});

t.test('readCookie: 299 cookies before ours still found', async (t) => {
  const header = [...Array.from({ length: 299 }, (_, i) => `c${i}=v`), '__Host-authgate=abc'].join('; ');
  t.equal(readCookie(header, '__Host-authgate'), 'abc');
});

t.test('property: readCookie never throws and finds a cookie placed first', async (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/), (rest, value) => {
      readCookie(rest, '__Host-authgate');
      readCookie([rest, rest], '__Host-authgate');
      if (readCookie(`__Host-authgate=${value}; ${rest}`, '__Host-authgate') !== value) throw new Error('not found');
    }),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});

const hostCases: Array<{ name: string; args: Parameters<typeof hostCookie>; expected: string }> = [
  { name: 'defaults', args: ['authgate', 'tok'], expected: '__Host-authgate=tok; Path=/; Secure; HttpOnly; SameSite=Lax' },
  { name: 'max-age', args: ['authgate', 'tok', { maxAgeSeconds: 3600 }], expected: '__Host-authgate=tok; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600' },
  { name: 'fractional max-age floored', args: ['authgate', 'tok', { maxAgeSeconds: 59.9 }], expected: '__Host-authgate=tok; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=59' },
  { name: 'negative max-age is 0', args: ['authgate', 'tok', { maxAgeSeconds: -5 }], expected: '__Host-authgate=tok; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0' },
  { name: 'SameSite=Strict', args: ['authgate-csrf', 'n', { sameSite: 'Strict' }], expected: '__Host-authgate-csrf=n; Path=/; Secure; HttpOnly; SameSite=Strict' },
];
for (const c of hostCases) {
  t.test(`hostCookie: ${c.name}`, async (t) => {
    const cookie = hostCookie(...c.args);
    t.equal(cookie, c.expected);
    // The __Host- prefix rules: Secure, Path=/, no Domain.
    t.match(cookie, /^__Host-/);
    t.match(cookie, /; Secure(;|$)/);
    t.match(cookie, /; HttpOnly(;|$)/);
    t.match(cookie, /; Path=\/(;|$)/);
    t.notMatch(cookie, /domain=/i);
  });
}

t.test('clearHostCookie expires the cookie with the same attributes', async (t) => {
  t.equal(clearHostCookie('authgate'), '__Host-authgate=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0');
});

t.test('readCookie reads what hostCookie writes', async (t) => {
  const setCookie = hostCookie('authgate', 'eyJ.a.b.c.d', { maxAgeSeconds: 10 });
  const pair = setCookie.split(';')[0] as string;
  t.equal(readCookie(`x=1; ${pair}`, '__Host-authgate'), 'eyJ.a.b.c.d');
});

const withoutCases: Array<[string, string, string]> = [
  ['a=1; __Host-authgate=x; b=2', '__Host-authgate', 'a=1; b=2'],
  ['__Host-authgate=x; __Host-authgate-csrf=y', '__Host-authgate', ''],
  ['a=1', '__Host-authgate', 'a=1'],
  ['__Host-authgate=x;a=1', '__Host-authgate', 'a=1'],
];
for (const [header, prefix, expected] of withoutCases) {
  t.test(`withoutCookies(${JSON.stringify(header)})`, async (t) => {
    t.equal(withoutCookies(header, prefix), expected);
  });
}
