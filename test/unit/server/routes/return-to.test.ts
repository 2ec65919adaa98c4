import t from 'tap';
import fc from 'fast-check';
import { safeReturnTo } from '../../../../src/server/routes/return-to.ts';

// Every open-redirect payload family falls back to '/'.
const rejected: Array<[string, unknown]> = [
  ['protocol-relative', '//evil.example'],
  ['protocol-relative with path', '//evil.example/login'],
  ['triple slash', '///evil.example'],
  ['slash backslash', '/\\evil.example'],
  ['backslash slash', '\\/evil.example'],
  ['double backslash', '\\\\evil.example'],
  ['scheme without slashes', 'https:evil.example'],
  ['absolute https', 'https://evil.example'],
  ['absolute http upper case', 'HTTP://EVIL.EXAMPLE/'],
  ['encoded double slash', '%2F%2Fevil.example'],
  ['slash then encoded double slash', '/%2F%2Fevil.example'],
  ['slash then encoded slash', '/%2Fevil.example'],
  ['double-encoded double slash', '%252F%252Fevil.example'],
  ['slash then double-encoded slash', '/%252Fevil.example'],
  ['triple-encoded slash', '/%25252Fevil.example'],
  ['encoded backslash', '/%5Cevil.example'],
  ['encoded backslash lower case', '/%5cevil.example'],
  ['javascript scheme', 'javascript:alert(1)'],
  ['javascript after slash', '/javascript:alert(1)'],
  ['javascript mixed case with whitespace', ' JaVaScRiPt:alert(1)'],
  ['tab between slashes', '/\t/evil.example'],
  ['newline between slashes', '/\n/evil.example'],
  ['carriage return', '/\r/evil.example'],
  ['encoded tab between slashes', '/%09/evil.example'],
  ['encoded newline', '/%0A/evil.example'],
  ['NUL', '/\u0000/evil.example'],
  ['DEL', '/\u007f'],
  ['header injection', '/x\r\nSet-Cookie: a=b'],
  ['data URL', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript', 'vbscript:msgbox(1)'],
  ['leading whitespace', ' //evil.example'],
  ['dot segment producing //', '/.//evil.example'],
  ['dot-dot segment producing //', '/x/..//evil.example'],
  ['encoded dot producing //', '/%2e//evil.example'],
  ['encoded dot-dot producing //', '/%2e%2e//evil.example'],
  ['dot segment producing /\\', '/./\\evil.example'],
  ['user info', '//user@evil.example'],
  ['at sign after scheme', 'https://a.example@evil.example'],
  ['relative path', 'evil.example'],
  ['dot relative', './x'],
  ['query only', '?x=1'],
  ['fragment only', '#x'],
  ['overlong UTF-8', '/%C0%AF'],
  ['very long', `/${'a'.repeat(5000)}`],
  ['empty', ''],
  ['reserved route', '/__authgate__/logout'],
  ['reserved login route (loop)', '/__authgate__/login?rd=/x'],
  ['reserved prefix itself', '/__authgate__'],
  ['reserved route via dot-dot', '/x/../__authgate__/logout'],
  ['non-string: number', 42],
  ['non-string: null', null],
  ['non-string: undefined', undefined],
  ['non-string: array', ['/home']],
  ['non-string: object', { toString: () => '/home' }],
];

for (const [name, payload] of rejected) {
  t.test(`falls back to /: ${name}`, async (t) => {
    t.equal(safeReturnTo(payload), '/');
  });
}

const kept: Array<[string, string, string]> = [
  ['root', '/', '/'],
  ['a path', '/content/42', '/content/42'],
  ['query and fragment', '/content/42?tab=logs&x=%2F#section-2', '/content/42?tab=logs&x=%2F#section-2'],
  ['query with a URL in it', '/app?next=https://evil.example', '/app?next=https://evil.example'],
  ['colon later in the path', '/p/abc:def', '/p/abc:def'],
  ['encoded space', '/a%20b', '/a%20b'],
  ['unicode is encoded', '/café', '/caf%C3%A9'],
  ['dot segments resolved', '/a/./b/../c', '/a/c'],
  ['trailing slash', '/rstudio/', '/rstudio/'],
  ['invalid escape stays a harmless path', '/%zz', '/%zz'],
  ['similar to the reserved prefix', '/__authgate__x/y', '/__authgate__x/y'],
];
for (const [name, payload, expected] of kept) {
  t.test(`kept: ${name}`, async (t) => {
    t.equal(safeReturnTo(payload), expected);
  });
}

t.test('length limit: 2048 characters kept, 2049 refused', async (t) => {
  t.equal(safeReturnTo(`/${'a'.repeat(2047)}`), `/${'a'.repeat(2047)}`);
  t.equal(safeReturnTo(`/${'a'.repeat(2048)}`), '/');
});

function checkAccepted(value: string): void {
  if (value === '/') return;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) throw new Error(`unsafe start: ${value}`);
  if (new URL(value, 'https://a.example').origin !== 'https://a.example') throw new Error(`leaves the origin: ${value}`);
  if (/[\x00-\x1f\x7f\\]/.test(value)) throw new Error(`control character or backslash: ${JSON.stringify(value)}`);
}

const piece = fc.constantFrom(
  '/', '//', '\\', '.', '..', '%2F', '%2f', '%5C', '%2e', '%252F', '%25', '%', ':', 'https:', 'javascript:', '@', '?', '#', '\t', '\n', ' ', 'evil.example', 'a', '__authgate__', '%09', '%00', '\u3002', '\uFF0F', '\u2215',
);
t.test('property: any accepted value is a same-origin path', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), fc.string({ maxLength: 40 }), fc.webUrl(), fc.webPath()), (candidate) => {
      checkAccepted(safeReturnTo(candidate));
    }),
    { numRuns: 10_000 },
  );
  t.pass('no counterexample');
});
