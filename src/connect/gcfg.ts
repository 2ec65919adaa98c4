/**
 * A faithful parser for RStudio / Posit Connect's configuration format, gcfg (git-config
 * style). Pure: text in, document out. Every value keeps the line and column it was read
 * from so the converter can cite it, and every syntax error names file, line and column.
 *
 * Rules: `[Section]` and `[Section "subsection"]` headers (subsection case-sensitive,
 * `\\` and `\"` escapes); case-insensitive section and key names; `;` and `#` comments,
 * also after values outside quotes; values with quoted parts and `\n \t \b \\ \"` escapes;
 * a backslash at the end of a line continues the value; repeated keys are kept as lists;
 * repeated sections are merged; a key alone is a boolean true; CRLF and a UTF-8 BOM.
 */
import { AuthgateError } from '../core/index.ts';

export interface GcfgValue {
  /** The key as written (its case may differ between repetitions). */
  readonly key: string;
  /** The decoded value; `'true'` for a bare key. */
  readonly value: string;
  /** `Key` alone, without `=`: a boolean true. */
  readonly bare: boolean;
  readonly line: number;
  readonly column: number;
}

export interface GcfgSection {
  /** The section name as first written. */
  readonly name: string;
  readonly subsection: string | undefined;
  /** Line of the first header of this section. */
  readonly line: number;
  /** Lower-cased key name -> every value given for it, in file order. */
  readonly values: ReadonlyMap<string, readonly GcfgValue[]>;
}

export interface GcfgDocument {
  readonly file: string;
  /** Sections in order of first appearance; repeated headers are merged into one. */
  readonly sections: readonly GcfgSection[];
}

export class GcfgSyntaxError extends AuthgateError {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(file: string, line: number, column: number, message: string) {
    super('ERR_GCFG_SYNTAX', `${file}:${line}:${column}: ${message}`, { status: 400 });
    this.name = 'GcfgSyntaxError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', b: '\b', '\\': '\\', '"': '"' };
const NAME_START = /[A-Za-z]/;
const SECTION_CHAR = /[A-Za-z0-9_.-]/;
const KEY_CHAR = /[A-Za-z0-9_-]/;

interface MutableSection {
  name: string;
  subsection: string | undefined;
  line: number;
  values: Map<string, GcfgValue[]>;
}

export function parseGcfg(source: string, file = '<input>'): GcfgDocument {
  const text = (source.startsWith('\uFEFF') ? source.slice(1) : source).replace(/\r\n?/g, '\n');
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const sections = new Map<string, MutableSection>();
  let current: MutableSection | undefined;
  let pos = 0;

  const locate = (at: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: [...text.slice(lineStarts[lo], at)].length + 1 };
  };
  const fail = (at: number, message: string): never => {
    const { line, column } = locate(at);
    throw new GcfgSyntaxError(file, line, column, message);
  };
  const skipBlanks = (): void => {
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
  };
  const skipToLineEnd = (): void => {
    while (pos < text.length && text[pos] !== '\n') pos++;
  };
  const endOfLineOrComment = (): boolean => {
    const c = text[pos];
    return c === undefined || c === '\n' || c === ';' || c === '#';
  };
  const readName = (chars: RegExp): string => {
    const start = pos;
    if (!NAME_START.test(text[pos] ?? '')) return '';
    while (pos < text.length && chars.test(text[pos] as string)) pos++;
    return text.slice(start, pos);
  };

  const parseHeader = (): void => {
    pos++; // '['
    skipBlanks();
    const nameAt = pos;
    const name = readName(SECTION_CHAR);
    if (name === '') fail(nameAt, `expected a section name (a letter, then letters, digits, "-", "_" or "."), found ${show(text[pos])}`);
    skipBlanks();
    let subsection: string | undefined;
    if (text[pos] === '"') subsection = readSubsection();
    if (text[pos] !== ']') fail(pos, `expected "]" to close the section header, found ${show(text[pos])}`);
    pos++;
    skipBlanks();
    if (!endOfLineOrComment()) fail(pos, `unexpected ${show(text[pos])} after the section header; only a comment may follow it`);
    skipToLineEnd();
    const id = subsection === undefined ? name.toLowerCase() : `${name.toLowerCase()}\u0000${subsection}`;
    current = sections.get(id);
    if (!current) {
      current = { name, subsection, line: locate(nameAt).line, values: new Map() };
      sections.set(id, current);
    }
  };

  const readSubsection = (): string => {
    const quoteAt = pos++;
    let out = '';
    for (;;) {
      const c = text[pos];
      if (c === undefined || c === '\n') return fail(quoteAt, 'unterminated subsection name: add the closing double quote');
      if (c === '"') break;
      if (c === '\\') {
        const next = text[pos + 1];
        if (next !== '\\' && next !== '"') fail(pos, `invalid escape ${show('\\' + (next ?? ''))} in a subsection name; only \\\\ and \\" are allowed`);
        out += next;
        pos += 2;
        continue;
      }
      out += c;
      pos++;
    }
    pos++; // closing quote
    skipBlanks();
    return out;
  };

  const parseEntry = (): void => {
    const keyAt = pos;
    const key = readName(KEY_CHAR);
    if (!current) return fail(keyAt, `key "${key}" appears before any [section] header`);
    skipBlanks();
    let value = 'true';
    let bare = true;
    if (text[pos] === '=') {
      pos++;
      value = readValue();
      bare = false;
    } else if (!endOfLineOrComment()) {
      fail(pos, `expected "=" after the key "${key}", found ${show(text[pos])}`);
    }
    skipToLineEnd();
    const { line, column } = locate(keyAt);
    const list = current.values.get(key.toLowerCase());
    const entry: GcfgValue = { key, value, bare, line, column };
    if (list) list.push(entry);
    else current.values.set(key.toLowerCase(), [entry]);
  };

  const readValue = (): string => {
    let out = '';
    let pending = ''; // unquoted blanks: kept only if more text follows
    let started = false;
    let quoteAt = -1;
    for (;;) {
      const c = text[pos];
      if (c === undefined || c === '\n') {
        if (quoteAt >= 0) fail(quoteAt, 'unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)');
        return out;
      }
      if (c === '\\') {
        const next = text[pos + 1];
        if (next === '\n' || next === undefined) {
          pos += 2; // line continuation
          continue;
        }
        const decoded = ESCAPES[next];
        if (decoded === undefined) fail(pos, `invalid escape ${show('\\' + next)}; use \\n, \\t, \\b, \\\\ or \\"`);
        out += pending + decoded;
        pending = '';
        started = true;
        pos += 2;
        continue;
      }
      pos++;
      if (quoteAt >= 0) {
        if (c === '"') quoteAt = -1;
        else out += c;
      } else if (c === '"') {
        out += pending;
        pending = '';
        started = true;
        quoteAt = pos - 1;
      } else if (c === ';' || c === '#') {
        pos--;
        return out;
      } else if (c === ' ' || c === '\t') {
        if (started) pending += c;
      } else {
        out += pending + c;
        pending = '';
        started = true;
      }
    }
  };

  while (pos < text.length) {
    skipBlanks();
    const c = text[pos];
    if (c === undefined) break;
    if (c === '\n') pos++;
    else if (c === ';' || c === '#') skipToLineEnd();
    else if (c === '[') parseHeader();
    else if (NAME_START.test(c)) parseEntry();
    else fail(pos, `unexpected ${show(c)}; expected a [section] header, a key or a comment`);
  }
  return { file, sections: [...sections.values()] };
}

/** Every section called `name` (any case), optionally only the given subsection. */
export function sectionsNamed(doc: GcfgDocument, name: string): GcfgSection[] {
  const lower = name.toLowerCase();
  return doc.sections.filter((s) => s.name.toLowerCase() === lower);
}

/** How a section is written in a header, for messages: `[LDAP "Corporate AD"]`. */
export function sectionLabel(section: Pick<GcfgSection, 'name' | 'subsection'>): string {
  if (section.subsection === undefined) return `[${section.name}]`;
  return `[${section.name} "${section.subsection.replace(/[\\"]/g, (m) => '\\' + m)}"]`;
}

function show(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  if (c === '\n') return 'the end of the line';
  return JSON.stringify(c);
}
