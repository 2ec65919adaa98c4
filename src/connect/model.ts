/**
 * What a conversion produces besides the configuration itself: the keys left out, the
 * values to fill in, notes, secrets to write, and the comments that cite each Connect key.
 */
import type { GcfgValue } from './gcfg.ts';

export type YamlPath = readonly (string | number)[];

/** A Connect key the conversion could not carry over, or a value someone must supply. */
export interface Finding {
  /** `[LDAP "Corporate AD"]` */
  readonly section: string;
  /** The key as written, or `''` for the whole section. */
  readonly key: string;
  readonly line: number;
  readonly message: string;
}

/** A secret value from the Connect file and where the generated config expects it. */
export interface SecretOutput {
  /** File name inside the secrets directory. */
  readonly fileName: string;
  /** Absolute path the configuration refers to. */
  readonly path: string;
  /** The Connect key it came from, for messages (never the value). */
  readonly source: string;
  /** The secret itself; `undefined` = generate a random one (session secrets). */
  readonly value: string | undefined;
}

export interface Annotation {
  readonly path: YamlPath;
  readonly comment: string;
  /** inline: after the value; before: on the line(s) above the key. */
  readonly placement: 'inline' | 'before';
}

/** Collects everything a conversion reports; the converters only append to it. */
export interface Collector {
  readonly file: string;
  readonly untranslated: Finding[];
  readonly toFill: Finding[];
  readonly notes: string[];
  readonly annotations: Annotation[];
  readonly secrets: SecretOutput[];
}

export function newCollector(file: string): Collector {
  return { file, untranslated: [], toFill: [], notes: [], annotations: [], secrets: [] };
}

/** `BindDN, line 24`, `AdministratorRoleMapping, lines 54, 55` or `[HTTPS] Listen, line 10`. */
function cite(values: readonly GcfgValue[], section?: string): string {
  const first = values[0];
  if (!first) return '';
  const key = section ? `${section} ${first.key}` : first.key;
  if (values.length === 1) return `${key}, line ${first.line}`;
  return `${key}, lines ${values.map((v) => v.line).join(', ')}`;
}

/**
 * Sets `target[key]` and records a comment citing the Connect key(s) it came from
 * (`section` names the Connect section where the YAML around does not already say it).
 */
export function put(
  out: Collector,
  target: Record<string, unknown>,
  base: YamlPath,
  key: string,
  value: unknown,
  from: readonly GcfgValue[],
  extra?: string,
  section?: string,
): void {
  target[key] = value;
  const text = [cite(from, section), extra].filter(Boolean).join('; ');
  if (!text) return;
  const isList = Array.isArray(value);
  const placement = isList && value.length > 0 ? 'before' : 'inline';
  out.annotations.push({ path: [...base, key], comment: placement === 'before' ? `from ${text}` : text, placement });
}
