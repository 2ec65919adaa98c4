/**
 * Reading Connect values: which keys of a section were used (the rest are reported),
 * Connect's booleans, Go durations and listen addresses.
 */
import type { GcfgSection, GcfgValue } from './gcfg.ts';
import { sectionLabel } from './gcfg.ts';
import { isIPv6 } from 'node:net';
import { formatDuration } from '../config/duration.ts';

export interface SectionReader {
  readonly section: GcfgSection;
  /** `[LDAP "Corporate AD"]` */
  readonly label: string;
  /** Every value of the key, in file order (marks the key as used). */
  all(key: string): GcfgValue[];
  /** The value Connect uses: the last one (marks the key as used). */
  last(key: string): GcfgValue | undefined;
  /** Marks keys as used without reading them. */
  use(...keys: string[]): void;
  /** Keys never read, each with all its values. */
  unused(): GcfgValue[][];
}

export function readSection(section: GcfgSection): SectionReader {
  const used = new Set<string>();
  const all = (key: string): GcfgValue[] => {
    used.add(key.toLowerCase());
    return [...(section.values.get(key.toLowerCase()) ?? [])];
  };
  return {
    section,
    label: sectionLabel(section),
    all,
    last: (key) => all(key).at(-1),
    use: (...keys) => {
      for (const key of keys) used.add(key.toLowerCase());
    },
    unused: () => [...section.values].filter(([key]) => !used.has(key)).map(([, values]) => [...values]),
  };
}

/** Go's strconv.ParseBool plus the yes/no/on/off git-config accepts; a bare key is true. */
export function parseBool(value: GcfgValue): boolean | undefined {
  if (value.bare) return true;
  const text = value.value.trim().toLowerCase();
  if (['true', 't', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', 'f', '0', 'no', 'off', ''].includes(text)) return false;
  return undefined;
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A Connect duration (Go syntax: `500ms`, `1h30m`, or a bare number of nanoseconds) in
 * authgate's syntax, or undefined when it is not one or is below a millisecond.
 */
export function convertDuration(text: string): string | undefined {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) / 1e6;
  } else {
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * (GO_UNITS[p[2] as string] as number), 0);
  }
  if (!Number.isFinite(ms)) return undefined;
  if (ms === 0) return '0';
  if (ms < 1) return undefined;
  return formatDuration(Math.round(ms));
}

/** A Go listen address (`:443`, `0.0.0.0:443`, `[::]:443`, `127.0.0.1:3939`). */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  if (match[1] !== undefined && !isIPv6(match[1])) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** The values as a list with empties dropped (Connect treats an empty value as unset). */
export function nonEmpty(values: readonly GcfgValue[]): GcfgValue[] {
  return values.filter((v) => v.value.trim() !== '');
}
