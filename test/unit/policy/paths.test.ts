import t from 'tap';
import fc from 'fast-check';
import { checkTarget, compilePathPattern } from '../../../src/policy/paths.ts';

/** The match path alone, or why the target was refused. */
function normalisePath(target: string, caseSensitive = true): { ok: true; path: string } | { ok: false; reason: string } {
  const checked = checkTarget(target, caseSensitive);
  return checked.ok ? { ok: true, path: checked.path } : checked;
}

// Spellings of /terminal that are accepted: each must match a rule written for /terminal.
const terminalSpellings: Array<[string, string, boolean?]> = [
  ['plain', '/terminal'],
  ['percent-encoded unreserved letter', '/%74erminal'],
  ['every letter encoded, mixed hex case', '/%74%65%72%6D%69%6e%61%6C'],
  ['doubled slash', '//terminal'],
  ['many slashes', '///terminal//'],
  ['query', '/terminal?x=1'],
  ['query with slashes and dots', '/terminal?next=/../../x'],
  ['trailing slash', '/terminal/'],
  ['below', '/terminal/1/ws'],
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
  t.same(normalisePath('/TERMINAL'), { ok: true, path: '/TERMINAL' });
  t.notOk(compilePathPattern('/terminal').test('/TERMINAL'));
});

// [request target, canonical target forwarded upstream, path the rules match]
const canonicalCases: Array<[string, string, string]> = [
  ['/', '/', '/'],
  ['//', '/', '/'],
  ['///', '/', '/'],
  ['/a/b/c', '/a/b/c', '/a/b/c'],
  ['/a/b/', '/a/b/', '/a/b/'],
  ['//a//b//', '/a/b/', '/a/b/'],
  ['/%61dmin/x', '/admin/x', '/admin/x'],
  ['/%41%5a%30%39%2D%2e%5F%7e', '/AZ09-._~', '/AZ09-._~'],
  ['/%7Euser', '/~user', '/~user'],
  ['/a%20b', '/a%20b', '/a b'],
  ['/a%2ab', '/a%2Ab', '/a*b'],
  ['/caf%c3%a9', '/caf%C3%A9', '/café'],
  ['/caf\xc3\xa9', '/caf%C3%A9', '/café'],
  ['/\u{1F600}', '/%F0%9F%98%80', '/\u{1F600}'],
  ['/%25', '/%25', '/%'],
  ['/%25zz', '/%25zz', '/%zz'],
  ['/%3F%23', '/%3F%23', '/?#'],
  ["/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,="],
  ['/"x"<y>[z]{w}|^`', '/%22x%22%3Cy%3E%5Bz%5D%7Bw%7D%7C%5E%60', '/"x"<y>[z]{w}|^`'],
  ['/...', '/...', '/...'],
  ['/a/.../b', '/a/.../b', '/a/.../b'],
  ['/.hidden', '/.hidden', '/.hidden'],
  ['/a.', '/a.', '/a.'],
  ['/..a/a..', '/..a/a..', '/..a/a..'],
  ['/%2e%2e%2e', '/...', '/...'],
  ['/a?b/../c', '/a?b/../c', '/a'],
  ['/a?x=%2e%2e;y=%2F\\', '/a?x=%2e%2e;y=%2F\\', '/a'],
  ['/a?', '/a?', '/a'],
  ['/%EF%BB%BFx', '/%EF%BB%BFx', '/\uFEFFx'],
];
for (const [target, canonical, path] of canonicalCases) {
  t.test(`checkTarget(${JSON.stringify(target)})`, async (t) => {
    t.same(checkTarget(target), { ok: true, target: canonical, path });
    t.same(checkTarget(canonical), { ok: true, target: canonical, path }, 'the canonical form is its own canonical form');
  });
}

t.test('case-insensitive mode lower-cases the match path only, never the forwarded target', async (t) => {
  t.same(checkTarget('/Admin/%C3%89t%c3%A9?Q=A', false), { ok: true, target: '/Admin/%C3%89t%C3%A9?Q=A', path: '/admin/été' });
});

const DOT = (spelled: string, read: string) => (spelled === read ? `dot segment "${spelled}" in path` : `dot segment "${spelled}" (read as "${read}") in path`);
const SEMICOLON = 'semicolon (raw or %3B) in path: path parameters are read differently by different servers';
const SLASH = 'encoded slash (%2F) in path';
const BACKSLASH = 'backslash (raw or %5C) in path';
const CONTROL = 'control character or space in path';
const ENCODED_CONTROL = 'encoded control character (such as %00 or %0A) in path';
const UTF8 = 'invalid or overlong UTF-8 in path';
const PERCENT = 'malformed percent-encoding (a % not followed by two hex digits)';
const DOUBLE = 'double percent-encoding in path';

const refused: Array<[string, string, string]> = [
  // dot segments, every spelling
  ['dot-dot', '/admin/../public/x', DOT('..', '..')],
  ['dot', '/./admin', DOT('.', '.')],
  ['trailing dot-dot', '/a/b/..', DOT('..', '..')],
  ['trailing dot', '/a/.', DOT('.', '.')],
  ['dot-dot above root', '/../admin', DOT('..', '..')],
  ['encoded dot-dot', '/admin/%2e%2e/public/x', DOT('%2e%2e', '..')],
  ['upper-case encoded dot-dot', '/admin/%2E%2E/public', DOT('%2E%2E', '..')],
  ['mixed-case encoded dot-dot', '/admin/%2E%2e/public', DOT('%2E%2e', '..')],
  ['half-encoded dot-dot', '/admin/.%2e/public', DOT('.%2e', '..')],
  ['half-encoded dot-dot, other half', '/admin/%2e./public', DOT('%2e.', '..')],
  ['encoded dot', '/%2e/admin', DOT('%2e', '.')],
  ['dot-dot with an empty parameter', '/admin/..;/public/x', DOT('..;', '..')],
  ['dot-dot with a parameter', '/admin/..;a=b/public', DOT('..;a=b', '..')],
  ['dot with a parameter', '/.;x/admin', DOT('.;x', '.')],
  ['encoded dot-dot with a parameter', '/admin/%2e%2e;/public', DOT('%2e%2e;', '..')],
  ['dot-dot with an encoded semicolon', '/admin/..%3b/public', DOT('..%3b', '..')],
  ['terminal traversal', '/p/abc/terminal/1/..;/..;/x', DOT('..;', '..')],
  // separators hidden in a segment
  ['encoded slash', '/admin%2f..%2fpublic', SLASH],
  ['upper-case encoded slash', '/x%2F..%2Fterminal', SLASH],
  ['encoded slash alone', '/public%2Fx', SLASH],
  ['raw backslash', '/x\\..\\terminal', BACKSLASH],
  ['raw backslash at the start', '/\\admin', BACKSLASH],
  ['encoded backslash', '/public/..%5cadmin', BACKSLASH],
  ['encoded backslash upper case', '/x%5C', BACKSLASH],
  // path parameters
  ['parameter', '/admin;x/', SEMICOLON],
  ['jsessionid', '/terminal;jsessionid=1', SEMICOLON],
  ['empty parameter', '/;x', SEMICOLON],
  ['parameter on an earlier segment', '/x;a=b/../terminal', SEMICOLON],
  ['encoded semicolon', '/terminal%3b/x', SEMICOLON],
  ['encoded semicolon upper case', '/terminal%3B', SEMICOLON],
  // control characters and NUL
  ['NUL encoded', '/terminal%00', ENCODED_CONTROL],
  ['encoded newline', '/terminal%0A', ENCODED_CONTROL],
  ['encoded DEL', '/terminal%7F', ENCODED_CONTROL],
  ['raw control character', '/ter\x01minal', CONTROL],
  ['raw tab', '/ter\tminal', CONTROL],
  ['raw newline', '/terminal\r\nX-Injected: 1', CONTROL],
  ['raw DEL', '/terminal\x7f', CONTROL],
  ['raw space', '/a b', CONTROL],
  // double encoding
  ['double encoding', '/%2574erminal', DOUBLE],
  ['double-encoded slash', '/x%252F..%252Fterminal', DOUBLE],
  ['double-encoded dot-dot', '/x/%252e%252e/terminal', DOUBLE],
  // malformed escapes and UTF-8
  ['overlong UTF-8 slash', '/x%C0%AF..%C0%AFterminal', UTF8],
  ['overlong UTF-8 dot', '/%C0%AE%C0%AE/terminal', UTF8],
  ['raw overlong UTF-8 dot', '/\xc0\xae\xc0\xae/terminal', UTF8],
  ['three-byte overlong dot', '/x/%e0%80%ae%e0%80%ae/terminal', UTF8],
  ['invalid UTF-8 byte', '/%FF', UTF8],
  ['lone continuation byte', '/%80', UTF8],
  ['truncated sequence', '/callback/%E0', UTF8],
  ['UTF-16 surrogate encoded as UTF-8', '/%ED%A0%80', UTF8],
  ['lone UTF-16 surrogate', '/a\uD800', UTF8],
  ['invalid escape', '/%zz', PERCENT],
  ['truncated escape', '/terminal%4', PERCENT],
  ['bare percent', '/100%', PERCENT],
  ['bare percent on a reserved route', '/__authgate__/login%', PERCENT],
  ['%u escape', '/%u0074erminal', PERCENT],
  // target forms
  ['fragment', '/terminal#top', 'fragment (#) in request target'],
  ['fragment hiding a traversal', '/public/x#/../../terminal/x', 'fragment (#) in request target'],
  ['fragment after a query', '/public/x?a=1#frag', 'fragment (#) in request target'],
  ['absolute-form URL', 'http://evil.example/terminal', 'path must start with /'],
  ['relative', 'terminal', 'path must start with /'],
  ['empty', '', 'path must start with /'],
  ['asterisk-form', '*', 'path must start with /'],
  ['too long', `/${'a'.repeat(8192)}`, 'path too long'],
];
for (const [name, target, reason] of refused) {
  t.test(`refused: ${name}`, async (t) => {
    t.same(checkTarget(target), { ok: false, reason });
    t.same(checkTarget(target, false), { ok: false, reason });
    t.same(normalisePath(target), { ok: false, reason });
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
  fc.constantFrom('', '.', '..', '%2e', '%2E%2e', '.%2e', '...', 'a', 'B', ';x', '..;', 'x;y=..', '%2F', '%2f..%2f', '%41', '~', '%C3%A9', '%25', '%', '\\', '%5C', '%00', '?', '#', '%3b', '"', '\xc3\xa9'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const pathArb = fc.array(segment, { maxLength: 12 }).map((parts) => `/${parts.join('/')}`);

t.test('property: an accepted target is canonical, idempotent, and its decoded form is the match path', async (t) => {
  fc.assert(
    fc.property(pathArb, fc.boolean(), (target, caseSensitive) => {
      const result = checkTarget(target, caseSensitive);
      if (!result.ok) return;
      const p = result.target.split('?', 1)[0] as string;
      if (!p.startsWith('/')) throw new Error(`no leading slash: ${p}`);
      if (p.includes('//')) throw new Error(`double slash: ${p}`);
      if (/[;\\]|%(2F|5C|3B|2E)/i.test(p)) throw new Error(`separator, parameter or encoded dot left: ${p}`);
      if (/%[0-9a-f]?[a-f]/.test(p)) throw new Error(`lower-case hex: ${p}`);
      const decoded = p.split('/').map((s) => decodeURIComponent(s)).join('/');
      if (decoded.split('/').some((s) => s === '..' || s === '.')) throw new Error(`dot segment: ${p}`);
      if ((caseSensitive ? decoded : decoded.toLowerCase()) !== result.path) throw new Error(`forwarded ${p} decodes to ${decoded}, rules matched ${result.path}`);
      const again = checkTarget(result.target, caseSensitive);
      if (!again.ok || again.target !== result.target || again.path !== result.path) throw new Error(`not idempotent: ${result.target} -> ${JSON.stringify(again)}`);
    }),
    { numRuns: 5000 },
  );
  t.pass('no counterexample');
});

t.test('property: checkTarget never throws on any string', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => void checkTarget(s)), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => void checkTarget(`/${s}`)), { numRuns: 2000 });
  t.pass('no counterexample');
});
