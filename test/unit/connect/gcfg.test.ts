import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseGcfg, sectionLabel, GcfgSyntaxError, type GcfgDocument } from '../../../src/connect/gcfg.ts';
import { formatGcfg, formatGcfgValue, type GcfgWriteSection } from '../../../src/connect/gcfg-format.ts';
import { isAuthgateError } from '../../../src/core/errors.ts';

/** A parsed document as sections to write (keys grouped, values in file order), for the round trip. */
function fromDocument(doc: GcfgDocument): GcfgWriteSection[] {
  return doc.sections.map((section) => ({
    name: section.name,
    subsection: section.subsection,
    entries: [...section.values.values()].flat().map((v) => ({ key: v.key, value: v.bare ? (true as const) : v.value })),
  }));
}

/** `{ 'section "sub"': { key: ['v1', 'v2'] } }`: the shape assertions compare. */
function shape(doc: GcfgDocument): Record<string, Record<string, string[]>> {
  const result: Record<string, Record<string, string[]>> = {};
  for (const section of doc.sections) {
    const values: Record<string, string[]> = {};
    for (const [key, list] of section.values) values[key] = list.map((v) => (v.bare ? '<bare>' : v.value));
    result[sectionLabel(section)] = values;
  }
  return result;
}

interface Case {
  name: string;
  text: string;
  expected: Record<string, Record<string, string[]>>;
}

const tables: Record<string, Case[]> = {
  'section headers': [
    { name: 'plain section', text: '[Server]\nAddress = x', expected: { '[Server]': { address: ['x'] } } },
    { name: 'subsection', text: '[LDAP "Corporate AD"]\nBindDN = x', expected: { '[LDAP "Corporate AD"]': { binddn: ['x'] } } },
    { name: 'blanks inside the brackets', text: '[  LDAP   "a b"  ]\nk = 1', expected: { '[LDAP "a b"]': { k: ['1'] } } },
    { name: 'escaped backslash and quote in a subsection', text: '[LDAP "dom\\\\user \\"q\\""]\nk = 1', expected: { '[LDAP "dom\\\\user \\"q\\""]': { k: ['1'] } } },
    { name: 'subsections are case-sensitive', text: '[LDAP "ad"]\nk = 1\n[LDAP "AD"]\nk = 2', expected: { '[LDAP "ad"]': { k: ['1'] }, '[LDAP "AD"]': { k: ['2'] } } },
    { name: 'section names are case-insensitive (merged, first spelling kept)', text: '[Server]\na = 1\n[SERVER]\nb = 2', expected: { '[Server]': { a: ['1'], b: ['2'] } } },
    { name: 'a section with and without subsection are different', text: '[LDAP]\na = 1\n[LDAP "x"]\na = 2', expected: { '[LDAP]': { a: ['1'] }, '[LDAP "x"]': { a: ['2'] } } },
    { name: 'empty subsection', text: '[LDAP ""]\na = 1', expected: { '[LDAP ""]': { a: ['1'] } } },
    { name: 'comment after the header', text: '[Server] ; the server\na = 1', expected: { '[Server]': { a: ['1'] } } },
    { name: 'dots, dashes and underscores in a section name', text: '[my-sec.tion_1]\na = 1', expected: { '[my-sec.tion_1]': { a: ['1'] } } },
    { name: 'an empty section is kept', text: '[Empty]\n', expected: { '[Empty]': {} } },
  ],
  'key names': [
    { name: 'keys are case-insensitive', text: '[s]\nFoo = 1\nfoo = 2\nFOO = 3', expected: { '[s]': { foo: ['1', '2', '3'] } } },
    { name: 'dashes, digits and underscores', text: '[s]\nkey-2_b = v', expected: { '[s]': { 'key-2_b': ['v'] } } },
    { name: 'indented keys', text: '[s]\n\t  key = v', expected: { '[s]': { key: ['v'] } } },
    { name: 'no blanks around =', text: '[s]\nkey=v', expected: { '[s]': { key: ['v'] } } },
  ],
  comments: [
    { name: 'semicolon line', text: '; top\n[s]\n; k = no\nk = yes', expected: { '[s]': { k: ['yes'] } } },
    { name: 'hash line', text: '# top\n[s]\n  # k = no\nk = yes', expected: { '[s]': { k: ['yes'] } } },
    { name: 'after a value', text: '[s]\na = one ; c\nb = two # c', expected: { '[s]': { a: ['one'], b: ['two'] } } },
    { name: 'inside quotes is text', text: '[s]\na = "x ; y # z" ; c', expected: { '[s]': { a: ['x ; y # z'] } } },
    { name: 'after a bare key', text: '[s]\nflag ; c', expected: { '[s]': { flag: ['<bare>'] } } },
    { name: 'directly after the value', text: '[s]\na = x;y', expected: { '[s]': { a: ['x'] } } },
  ],
  'quoted values and escapes': [
    { name: 'quoted', text: '[s]\na = "simple"', expected: { '[s]': { a: ['simple'] } } },
    { name: 'escapes inside quotes', text: '[s]\na = "l1\\nl2\\tt \\\\ \\"q\\" \\b"', expected: { '[s]': { a: ['l1\nl2\tt \\ "q" \b'] } } },
    { name: 'escapes outside quotes', text: '[s]\na = a\\tb\\\\c', expected: { '[s]': { a: ['a\tb\\c'] } } },
    { name: 'blanks inside quotes are kept', text: '[s]\na = "  padded  "', expected: { '[s]': { a: ['  padded  '] } } },
    { name: 'blanks around an unquoted value are trimmed, inside kept', text: '[s]\na =   5   MB   ', expected: { '[s]': { a: ['5   MB'] } } },
    { name: 'quoted and unquoted parts join', text: '[s]\na = x "y z" w', expected: { '[s]': { a: ['x y z w'] } } },
    { name: 'an escaped quote unquoted', text: '[s]\na = say \\"hi\\"', expected: { '[s]': { a: ['say "hi"'] } } },
    { name: 'empty quotes', text: '[s]\na = ""', expected: { '[s]': { a: [''] } } },
    { name: 'empty value', text: '[s]\nServerAddress =\nb = ', expected: { '[s]': { serveraddress: [''], b: [''] } } },
    { name: 'DOMAIN\\user as in Connect docs', text: '[LDAP "x"]\nBindDN = "EXAMPLE\\\\admin"', expected: { '[LDAP "x"]': { binddn: ['EXAMPLE\\admin'] } } },
    { name: 'non-ASCII text', text: '[s]\na = "Zoë 😀" ü', expected: { '[s]': { a: ['Zoë 😀 ü'] } } },
  ],
  'line continuations': [
    { name: 'unquoted', text: '[s]\na = one \\\ntwo', expected: { '[s]': { a: ['one two'] } } },
    { name: 'inside quotes', text: '[s]\na = "one \\\ntwo"', expected: { '[s]': { a: ['one two'] } } },
    { name: 'several lines', text: '[s]\na = 1\\\n2\\\n3\nb = 4', expected: { '[s]': { a: ['123'], b: ['4'] } } },
    { name: 'right after =', text: '[s]\na = \\\n   value', expected: { '[s]': { a: ['value'] } } },
    { name: 'at the end of the file', text: '[s]\na = x\\', expected: { '[s]': { a: ['x'] } } },
    { name: 'with CRLF', text: '[s]\r\na = one\\\r\ntwo\r\n', expected: { '[s]': { a: ['onetwo'] } } },
  ],
  'repeated keys and sections': [
    { name: 'repeated keys become a list in file order', text: '[Authorization]\nAdministratorRoleMapping = a\nAdministratorRoleMapping = b', expected: { '[Authorization]': { administratorrolemapping: ['a', 'b'] } } },
    { name: 'repeated sections are merged', text: '[Example]\nA = alligator\nB = 2\n[Other]\nx = 1\n[Example]\nA = aardvark\nC = shining', expected: { '[Example]': { a: ['alligator', 'aardvark'], b: ['2'], c: ['shining'] }, '[Other]': { x: ['1'] } } },
  ],
  'bare boolean keys': [
    { name: 'a key alone', text: '[s]\nLogging', expected: { '[s]': { logging: ['<bare>'] } } },
    { name: 'with trailing blanks', text: '[s]\nLogging   \nb = 1', expected: { '[s]': { logging: ['<bare>'], b: ['1'] } } },
  ],
  'line endings and BOM': [
    { name: 'CRLF', text: '[s]\r\na = 1\r\nb = "2"\r\n', expected: { '[s]': { a: ['1'], b: ['2'] } } },
    { name: 'UTF-8 BOM', text: '\uFEFF[s]\na = 1', expected: { '[s]': { a: ['1'] } } },
    { name: 'BOM and CRLF', text: '\uFEFF; c\r\n[s]\r\na = 1\r\n', expected: { '[s]': { a: ['1'] } } },
    { name: 'old Mac CR', text: '[s]\ra = 1\rb = 2', expected: { '[s]': { a: ['1'], b: ['2'] } } },
    { name: 'no final newline', text: '[s]\na = 1', expected: { '[s]': { a: ['1'] } } },
    { name: 'empty file', text: '', expected: {} },
    { name: 'only comments and blank lines', text: '\n\n ; x\n\t# y\n', expected: {} },
  ],
};

for (const [rule, cases] of Object.entries(tables)) {
  t.test(rule, async (t) => {
    for (const c of cases) {
      t.test(c.name, async (t) => {
        t.same(shape(parseGcfg(c.text, 'test.gcfg')), c.expected);
      });
    }
  });
}

t.test('values keep their key spelling, line and column', async (t) => {
  const doc = parseGcfg('\uFEFF; x\r\n[LDAP "x"]\r\n  BindDN = a\r\nbinddn = b\r\nlong = 1\\\r\n2\r\nFlag\r\n', 'x.gcfg');
  const section = doc.sections[0];
  t.equal(section?.line, 2);
  t.same(section?.values.get('binddn'), [
    { key: 'BindDN', value: 'a', bare: false, line: 3, column: 3 },
    { key: 'binddn', value: 'b', bare: false, line: 4, column: 1 },
  ]);
  t.same(section?.values.get('long'), [{ key: 'long', value: '12', bare: false, line: 5, column: 1 }]);
  t.same(section?.values.get('flag'), [{ key: 'Flag', value: 'true', bare: true, line: 7, column: 1 }]);
  t.equal(doc.file, 'x.gcfg');
});

const malformed: Array<{ name: string; text: string; line: number; column: number; message: string }> = [
  { name: 'key before any section', text: 'k = 1', line: 1, column: 1, message: 'key "k" appears before any [section] header' },
  { name: 'unclosed header', text: '[a', line: 1, column: 3, message: 'expected "]" to close the section header, found the end of the file' },
  { name: 'unclosed header, more lines follow', text: '[a\nk = 1', line: 1, column: 3, message: 'expected "]" to close the section header, found the end of the line' },
  { name: 'empty header', text: '[]', line: 1, column: 2, message: 'expected a section name (a letter, then letters, digits, "-", "_" or "."), found "]"' },
  { name: 'section name starting with a digit', text: '[1a]', line: 1, column: 2, message: 'expected a section name (a letter, then letters, digits, "-", "_" or "."), found "1"' },
  { name: 'bad character in a section name', text: '[a/b]', line: 1, column: 3, message: 'expected "]" to close the section header, found "/"' },
  { name: 'unterminated subsection', text: '[a "x]\nk = 1', line: 1, column: 4, message: 'unterminated subsection name: add the closing double quote' },
  { name: 'invalid escape in a subsection', text: '[a "x\\q"]', line: 1, column: 6, message: 'invalid escape "\\\\q" in a subsection name; only \\\\ and \\" are allowed' },
  { name: 'text after the header', text: '[a] x = 1', line: 1, column: 5, message: 'unexpected "x" after the section header; only a comment may follow it' },
  { name: 'two subsections', text: '[a "x" "y"]', line: 1, column: 8, message: 'expected "]" to close the section header, found "\\""' },
  { name: 'unterminated quoted value', text: '[a]\nk = "x', line: 2, column: 5, message: 'unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)' },
  { name: 'quoted value across lines', text: '[a]\n  k = "abc\n"', line: 2, column: 7, message: 'unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)' },
  { name: 'invalid escape in a value', text: '[a]\nk = a\\q', line: 2, column: 6, message: 'invalid escape "\\\\q"; use \\n, \\t, \\b, \\\\ or \\"' },
  { name: 'invalid escape inside quotes', text: '[a]\nk = "\\x41"', line: 2, column: 6, message: 'invalid escape "\\\\x"; use \\n, \\t, \\b, \\\\ or \\"' },
  { name: 'key without =', text: '[a]\nk v', line: 2, column: 3, message: 'expected "=" after the key "k", found "v"' },
  { name: 'colon instead of =', text: '[a]\nkey: v', line: 2, column: 4, message: 'expected "=" after the key "key", found ":"' },
  { name: 'value without key', text: '[a]\n= v', line: 2, column: 1, message: 'unexpected "="; expected a [section] header, a key or a comment' },
  { name: 'key starting with a digit', text: '[a]\n1k = v', line: 2, column: 1, message: 'unexpected "1"; expected a [section] header, a key or a comment' },
  { name: 'NUL byte', text: '[a]\nk = 1\n\u0000', line: 3, column: 1, message: 'unexpected "\\u0000"; expected a [section] header, a key or a comment' },
  { name: 'columns after a BOM are not shifted', text: '\uFEFF[a', line: 1, column: 3, message: 'expected "]" to close the section header, found the end of the file' },
  { name: 'CRLF lines count once', text: '[a]\r\n\r\nk = "x\r\n', line: 3, column: 5, message: 'unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)' },
  { name: 'error on a continued line', text: '[a]\nk = a\\\n  "b', line: 3, column: 3, message: 'unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)' },
  { name: 'columns count characters, not UTF-16 units', text: '[a]\nk = 😀é\\q', line: 2, column: 7, message: 'invalid escape "\\\\q"; use \\n, \\t, \\b, \\\\ or \\"' },
];

t.test('malformed input: exact line, column and message', async (t) => {
  for (const c of malformed) {
    t.test(c.name, async (t) => {
      const error = catchError(() => parseGcfg(c.text, 'bad.gcfg'));
      t.ok(error instanceof GcfgSyntaxError, 'a GcfgSyntaxError');
      if (!(error instanceof GcfgSyntaxError)) return;
      t.equal(error.code, 'ERR_GCFG_SYNTAX');
      t.same({ file: error.file, line: error.line, column: error.column }, { file: 'bad.gcfg', line: c.line, column: c.column });
      t.equal(error.message, `bad.gcfg:${c.line}:${c.column}: ${c.message}`);
    });
  }
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Parses or throws the syntax error; anything else thrown fails the property. */
function parsesOrSyntaxError(text: string): GcfgDocument | undefined {
  try {
    return parseGcfg(text, 'fuzz.gcfg');
  } catch (error) {
    if (isAuthgateError(error, 'ERR_GCFG_SYNTAX') && error instanceof GcfgSyntaxError && error.line >= 1 && error.column >= 1) return undefined;
    throw error;
  }
}

const gcfgChar = fc.constantFrom('[', ']', '"', '\\', ';', '#', '=', ' ', '\t', '\n', '\r', 'a', 'K', '-', '.', '_', '1', 'é', '😀', '\uFEFF', '\u0000');
const gcfgish = fc.array(gcfgChar, { maxLength: 80 }).map((chars) => chars.join(''));

t.test('property: random text parses or throws ERR_GCFG_SYNTAX, nothing else', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => void parsesOrSyntaxError(text)), { numRuns: 2000 });
  fc.assert(fc.property(gcfgish, (text) => void parsesOrSyntaxError(text)), { numRuns: 5000 });
  t.pass();
});

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/);
const sectionName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,11}$/);
const subsection = fc.option(fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')), { nil: undefined });
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/\r/g, '')),
  fc.constantFrom('', ' lead', 'trail ', 'a;b', 'x#y', 'q"q', 'b\\s', 'l1\nl2', 't\tt', 'true'),
);
const comment = fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: undefined });
const entry = fc.record({ key: name, value: fc.oneof(value, fc.constant(true as const)), comment }, { requiredKeys: ['key', 'value'] });
const documentModel = fc.array(
  fc.record({ name: sectionName, subsection, entries: fc.array(entry, { maxLength: 6 }), comment }, { requiredKeys: ['name', 'entries'] }),
  { maxLength: 6 },
);

/** What parsing the written sections must give: sections merged, keys lower-cased, values in order. */
function expectedShape(sections: GcfgWriteSection[]): Record<string, Record<string, string[]>> {
  const result: Record<string, Record<string, string[]>> = {};
  const labels = new Map<string, string>();
  for (const s of sections) {
    const id = s.subsection === undefined ? s.name.toLowerCase() : `${s.name.toLowerCase()}\u0000${s.subsection}`;
    const label = labels.get(id) ?? sectionLabel({ name: s.name, subsection: s.subsection });
    labels.set(id, label);
    const values = (result[label] ??= {});
    for (const e of s.entries) (values[e.key.toLowerCase()] ??= []).push(e.value === true ? '<bare>' : e.value);
  }
  return result;
}

t.test('property: random well-formed documents parse to what was written', async (t) => {
  fc.assert(
    fc.property(documentModel, (sections) => {
      const text = formatGcfg(sections);
      assert.deepStrictEqual(shape(parseGcfg(text, 'model.gcfg')), expectedShape(sections));
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

t.test('property: well-formed documents with random damage parse or throw ERR_GCFG_SYNTAX', async (t) => {
  const damaged = fc.tuple(documentModel, fc.nat(), gcfgChar).map(([sections, at, c]) => {
    const text = formatGcfg(sections);
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + c + text.slice(i);
  });
  fc.assert(fc.property(damaged, (text) => void parsesOrSyntaxError(text)), { numRuns: 3000 });
  t.pass();
});

t.test('property: serialise -> parse round trip of anything that parsed', async (t) => {
  fc.assert(
    fc.property(fc.oneof(gcfgish, fc.string({ unit: 'binary', maxLength: 120 })), (text) => {
      const doc = parsesOrSyntaxError(text);
      if (!doc) return true;
      const again = parseGcfg(formatGcfg(fromDocument(doc)), 'again.gcfg');
      assert.deepStrictEqual(shape(again), shape(doc));
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

t.test('formatGcfgValue quotes only when it must', async (t) => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['with inner  blanks', 'with inner  blanks'],
    ['', '""'],
    [' lead', '" lead"'],
    ['a;b', '"a;b"'],
    ['EXAMPLE\\admin', '"EXAMPLE\\\\admin"'],
    ['l1\nl2', '"l1\\nl2"'],
    ['say "hi"', '"say \\"hi\\""'],
  ];
  for (const [input, expected] of cases) t.equal(formatGcfgValue(input), expected, JSON.stringify(input));
  t.throws(() => formatGcfgValue('a\rb'), TypeError);
});
