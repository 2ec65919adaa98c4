/**
 * Writes gcfg text that `parseGcfg` reads back to the same sections, keys and values.
 * Used for the Connect-side settings the import prints, and by the round-trip tests.
 *
 * Not every string is representable: gcfg has no escape for a carriage return, and a
 * subsection name cannot hold a line break. Such input throws a TypeError (misuse).
 */

export interface GcfgWriteEntry {
  key: string;
  /** `true` writes the key alone (a bare boolean). */
  value: string | true;
  /** Written on the line above, as `; comment`. */
  comment?: string;
  /** Written commented out (`; Key = "value"`): a setting to fill in by hand. */
  commentedOut?: boolean;
}

export interface GcfgWriteSection {
  name: string;
  subsection?: string | undefined;
  entries: GcfgWriteEntry[];
  comment?: string;
}

const VALUE_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\b': '\\b' };

/** A value as gcfg text: bare when it reads back unchanged, else quoted with escapes. */
export function formatGcfgValue(value: string): string {
  if (value.includes('\r')) throw new TypeError('gcfg cannot represent a carriage return in a value');
  if (/^[^\s;#"\\\u0000-\u001f\u007f](?:[^;#"\\\n\t\b\r]*[^\s;#"\\\u0000-\u001f\u007f])?$/.test(value)) return value;
  return `"${value.replace(/[\\"\n\t\b]/g, (c) => VALUE_ESCAPES[c] as string)}"`;
}

function formatGcfgHeader(name: string, subsection?: string): string {
  if (subsection === undefined) return `[${name}]`;
  if (/[\r\n]/.test(subsection)) throw new TypeError('a gcfg subsection name cannot contain a line break');
  return `[${name} "${subsection.replace(/[\\"]/g, (c) => '\\' + c)}"]`;
}

export function formatGcfg(sections: readonly GcfgWriteSection[]): string {
  const lines: string[] = [];
  for (const section of sections) {
    if (lines.length > 0) lines.push('');
    if (section.comment) lines.push(...commentLines(section.comment));
    lines.push(formatGcfgHeader(section.name, section.subsection));
    for (const entry of section.entries) {
      if (entry.comment) lines.push(...commentLines(entry.comment));
      const line = entry.value === true ? entry.key : `${entry.key} = ${formatGcfgValue(entry.value)}`;
      lines.push(entry.commentedOut ? `; ${line}` : line);
    }
  }
  return lines.join('\n') + '\n';
}

function commentLines(comment: string): string[] {
  return comment.split(/\r\n|\r|\n/).map((line) => (line === '' ? ';' : `; ${line}`));
}
