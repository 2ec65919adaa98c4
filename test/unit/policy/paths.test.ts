import t from 'tap';
import fc from 'fast-check';
import { compilePathPattern, normalisePath } from '../../../src/policy/paths.ts';

// Every spelling a client may use for /terminal: all must match a rule written for /terminal.
const terminalSpellings: Array<[string, string, boolean?]> = [
  ['plain', '/terminal'],
  ['percent-encoded unreserved letter', '/%74erminal'],
  ['every letter encoded, mixed hex case', '/%74%65%72%6D%69%6e%61%6C'],
  ['doubled slash', '//terminal'],
  ['many slashes', '///terminal//'],
  ['dot-dot', '/x/../terminal'],
  ['encoded dot-dot', '/x/%2e%2e/terminal'],
  ['upper-case encoded dot-dot', '/x/%2E%2E/terminal'],
  ['dot', '/./terminal'],
  ['encoded dot', '/%2e/terminal'],
  ['path parameter', '/terminal;jsessionid=1'],
  ['parameter on a dot-dot segment', '/..;/terminal'],
  ['parameter on an earlier segment', '/x;a=b/../terminal'],
  ['query', '/terminal?x=1'],
  ['fragment', '/terminal#top'],
  ['query with slashes and dots', '/terminal?next=/../../x'],
  ['trailing slash', '/terminal/'],
  ['below', '/terminal/1/ws'],
  ['encoded slash', '/x%2F..%2Fterminal'],
  ['dot-dot above root clamps', '/../../terminal'],
  ['upper case, case-insensitive mode', '/TERMINAL', false],
  ['mixed case encoded, case-insensitive mode', '/%54ErMiNaL', false],
];

for (const [name, target, caseSensitive = true] of terminalSpellings) {
  t.test(`a /terminal rule matches: ${name} (${target})`, async (t) => {
    const normalised = normalisePath(target, caseSensitive);
    if (!normalised.ok) throw new Error(`refused: ${normalised.reason}`);
    t.ok(compilePathPattern('/terminal', caseSensitive).test(normalised.path), normalised.path);
    t.ok(compilePathPattern('/terminal/**', caseSensitive).test(normalised.path), normalised.path);
  });
}

t.test('case-sensitive mode: /TERMINAL is another path', async (t) => {
  const normalised = normalisePath('/TERMINAL');
  t.same(normalised, { ok: true, path: '/TERMINAL' });
  t.notOk(compilePathPattern('/terminal').test('/TERMINAL'));
});

const normaliseCases: Array<[string, string]> = [
  ['/', '/'],
  ['//', '/'],
  ['/a/b/c', '/a/b/c'],
  ['/a/b/', '/a/b/'],
  ['/a/./b', '/a/b'],
  ['/a/b/..', '/a'],
  ['/a/b/../', '/a/'],
  ['/a/../..', '/'],
  ['/..', '/'],
  ['/../', '/'],
  ['/a/b/../../../../c', '/c'],
  ['/a;x/b;y', '/a/b'],
  ['/;x', '/'],
  ['/a%20b', '/a b'],
  ['/caf%C3%A9', '/café'],
  ['/%7Euser', '/~user'],
  ['/a?b/../c', '/a'],
  ['/...', '/...'],
  ['/a/.../b', '/a/.../b'],
  ['/.hidden', '/.hidden'],
  ['/%25', '/%'],
];
for (const [target, expected] of normaliseCases) {
  t.test(`normalisePath(${JSON.stringify(target)})`, async (t) => {
    t.same(normalisePath(target), { ok: true, path: expected });
  });
}

const refused: Array<[string, string, string]> = [
  ['NUL encoded', '/terminal%00', 'encoded control character or backslash in path'],
  ['raw backslash', '/x\\..\\terminal', 'control character, space or backslash in path'],
  ['encoded backslash', '/x%5C..%5Cterminal', 'encoded control character or backslash in path'],
  ['encoded backslash lower case', '/x%5c', 'encoded control character or backslash in path'],
  ['double encoding', '/%2574erminal', 'double percent-encoding in path'],
  ['double-encoded slash', '/x%252F..%252Fterminal', 'double percent-encoding in path'],
  ['overlong UTF-8 slash', '/x%C0%AF..%C0%AFterminal', 'malformed percent-encoding or invalid UTF-8'],
  ['overlong UTF-8 dot', '/%C0%AE%C0%AE/terminal', 'malformed percent-encoding or invalid UTF-8'],
  ['invalid UTF-8 byte', '/%FF', 'malformed percent-encoding or invalid UTF-8'],
  ['lone continuation byte', '/%80', 'malformed percent-encoding or invalid UTF-8'],
  ['UTF-16 surrogate encoded as UTF-8', '/%ED%A0%80', 'malformed percent-encoding or invalid UTF-8'],
  ['invalid escape', '/%zz', 'malformed percent-encoding or invalid UTF-8'],
  ['truncated escape', '/terminal%4', 'malformed percent-encoding or invalid UTF-8'],
  ['bare percent', '/100%', 'malformed percent-encoding or invalid UTF-8'],
  ['%u escape', '/%u0074erminal', 'malformed percent-encoding or invalid UTF-8'],
  ['raw control character', '/ter\x01minal', 'control character, space or backslash in path'],
  ['raw tab', '/ter\tminal', 'control character, space or backslash in path'],
  ['raw newline', '/terminal\r\nX-Injected: 1', 'control character, space or backslash in path'],
  ['raw DEL', '/terminal\x7f', 'control character, space or backslash in path'],
  ['raw space', '/a b', 'control character, space or backslash in path'],
  ['encoded newline', '/terminal%0A', 'encoded control character or backslash in path'],
  ['encoded DEL', '/terminal%7F', 'encoded control character or backslash in path'],
  ['absolute-form URL', 'http://evil.example/terminal', 'path must start with /'],
  ['relative', 'terminal', 'path must start with /'],
  ['empty', '', 'path must start with /'],
  ['asterisk-form', '*', 'path must start with /'],
  ['too long', `/${'a'.repeat(8192)}`, 'path too long'],
];
for (const [name, target, reason] of refused) {
  t.test(`refused: ${name}`, async (t) => {
    t.same(normalisePath(target), { ok: false, reason });
    t.same(normalisePath(target, false), { ok: false, reason });
  });
}

t.test('a long query does not count against the path limit', async (t) => {
  t.same(normalisePath(`/a?${'q'.repeat(20_000)}`), { ok: true, path: '/a' });
});

// Globs: [pattern, path, matches]
const globCases: Array<[string, string, boolean]> = [
  ['/terminal', '/terminal', true],
  ['/terminal', '/terminal/', true],
  ['/terminal', '/terminal/1', true],
  ['/terminal', '/terminal/a/b/c', true],
  ['/terminal', '/terminals', false],
  ['/terminal', '/terminal-x', false],
  ['/terminal', '/x/terminal', false],
  ['/terminal/', '/terminal', true],
  ['terminal', '/terminal/x', true],
  ['/terminal/**', '/terminal', true],
  ['/terminal/**', '/terminal/', true],
  ['/terminal/**', '/terminal/a/b', true],
  ['/terminal/**', '/terminals', false],
  ['/terminal/*', '/terminal/a', true],
  ['/terminal/*', '/terminal/a/', true],
  ['/terminal/*', '/terminal/a/b', false],
  ['/p/*/terminal/**', '/p/abc123/terminal', true],
  ['/p/*/terminal/**', '/p/abc123/terminal/1/ws', true],
  ['/p/*/terminal/**', '/p/a/b/terminal', false],
  ['/p/*/terminal/**', '/p/terminal', false],
  ['/a/**/b', '/a/b', true],
  ['/a/**/b', '/a/x/b', true],
  ['/a/**/b', '/a/x/y/z/b', true],
  ['/a/**/b', '/a/xb', false],
  ['/a/**/b', '/ab', false],
  ['**/terminal', '/terminal', true],
  ['**/terminal', '/x/y/terminal', true],
  ['**/terminal', '/x/terminals', false],
  ['/**', '/', true],
  ['/**', '/anything/at/all', true],
  ['/', '/', true],
  ['/', '/anything', true],
  ['/*.js', '/app.js', true],
  ['/*.js', '/appXjs', false],
  ['/*.js', '/dir/app.js', false],
  ['/static/**/*.css', '/static/a.css', true],
  ['/static/**/*.css', '/static/x/y/a.css', true],
  ['/a+b(c)', '/a+b(c)', true],
  ['/a+b(c)', '/aab(c)', false],
  ['/a.b', '/aXb', false],
  ['/file[1]', '/file[1]', true],
  ['/x$', '/x$', true],
  ['/__api__/v1/content', '/__api__/v1/content/123', true],
];
for (const [pattern, target, expected] of globCases) {
  t.test(`glob ${pattern} ${expected ? 'matches' : 'does not match'} ${target}`, async (t) => {
    t.equal(compilePathPattern(pattern).test(target), expected);
  });
}

t.test('case-insensitive patterns', async (t) => {
  t.ok(compilePathPattern('/Terminal/**', false).test('/terminal/x'));
  t.notOk(compilePathPattern('/Terminal/**', true).test('/terminal/x'));
});

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '%2e', '%2E%2e', '.%2e', '...', 'a', 'B', ';x', '..;', 'x;y=..', '%2F', '%2f..%2f', '%41', '~', '%C3%A9', '%25', '%', '\\', '%5C', '%00', '?', '#'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const pathArb = fc.array(segment, { maxLength: 12 }).map((parts) => `/${parts.join('/')}`);

t.test('property: a normalised path starts with /, has no // and no . or .. segment', async (t) => {
  fc.assert(
    fc.property(pathArb, fc.boolean(), (target, caseSensitive) => {
      const result = normalisePath(target, caseSensitive);
      if (!result.ok) return;
      const p = result.path;
      if (!p.startsWith('/')) throw new Error(`no leading slash: ${p}`);
      if (p.includes('//')) throw new Error(`double slash: ${p}`);
      if (p.split('/').some((s) => s === '..' || s === '.')) throw new Error(`dot segment: ${p}`);
      if (/[\x00-\x1f\x7f\\]/.test(p)) throw new Error(`control or backslash: ${JSON.stringify(p)}`);
      // Idempotent: normalising the result (re-encoded) gives the same path.
      const again = normalisePath(p.split('/').map(encodeURIComponent).join('/'), caseSensitive);
      if (!again.ok || again.path !== p) throw new Error(`not idempotent: ${p} -> ${JSON.stringify(again)}`);
    }),
    { numRuns: 5000 },
  );
  t.pass('no counterexample');
});

t.test('property: normalisePath never throws on any string', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => void normalisePath(s)), { numRuns: 2000 });
  t.pass('no counterexample');
});
