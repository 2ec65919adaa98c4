/** Configuration problems, collected (never thrown one at a time) and formatted for people. */
import type { z } from 'zod';

export interface ConfigIssue {
  /** Dotted key path with indices, e.g. `auth.providers[1].serverAddress[0]`. */
  path: string;
  /** `"value" is …; fix …` */
  message: string;
  severity: 'error' | 'warning';
  line?: number;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function issue(path: ReadonlyArray<PropertyKey> | string, message: string, severity: ConfigIssue['severity'] = 'error'): ConfigIssue {
  return { path: typeof path === 'string' ? path : formatPath(path), message, severity };
}

/** Turns one zod issue into our wording: key path, the bad value, and a hint. */
export function fromZodIssue(zi: z.core.$ZodIssue, knownKeys: (path: PropertyKey[]) => string[]): ConfigIssue[] {
  const path = zi.path as PropertyKey[];
  const input = (zi as { input?: unknown }).input;
  switch (zi.code) {
    case 'unrecognized_keys':
      return zi.keys.map((key) => {
        const known = knownKeys(path);
        const near = nearest(key, known);
        const hint = near ? `did you mean "${near}"?` : `known keys here: ${known.join(', ')}`;
        return issue([...path, key], `unknown key; ${hint}`);
      });
    case 'invalid_type':
      if (input === undefined) return [issue(path, `is required (${describeExpected(zi.expected)})`)];
      return [issue(path, `${showValue(input)} is not ${article(describeExpected(zi.expected))}`)];
    case 'invalid_value':
      return [issue(path, `${showValue(input)} is not allowed; use one of ${zi.values.map((v) => showValue(v)).join(', ')}`)];
    case 'invalid_union': {
      const options = (zi as { options?: unknown[] }).options;
      const discriminator = (zi as { discriminator?: string }).discriminator;
      if (discriminator && options) {
        const value = (input as Record<string, unknown> | undefined)?.[discriminator];
        const target = path[path.length - 1] === discriminator ? path : [...path, discriminator];
        return [issue(target, `${showValue(value)} is not a valid ${discriminator}; use one of ${options.map((o) => String(o)).join(', ')}`)];
      }
      return [issue(path, `${showValue(input)} matches none of the allowed forms`)];
    }
    case 'too_small':
    case 'too_big': {
      const bound = zi.code === 'too_small' ? 'at least' : 'at most';
      const what = zi.origin === 'string' ? ' characters long' : zi.origin === 'array' ? ' entries' : '';
      const custom = isCustomMessage(zi.message) ? `; ${zi.message}` : '';
      return [issue(path, `${showValue(input)} is too ${zi.code === 'too_small' ? 'small' : 'big'}: must be ${bound} ${String(zi.code === 'too_small' ? zi.minimum : zi.maximum)}${what}${custom}`)];
    }
    case 'invalid_format':
      return [issue(path, `${showValue(input)} ${isCustomMessage(zi.message) ? zi.message : `is not a valid ${zi.format}`}`)];
    default:
      return [issue(path, `${showValue(input)} ${zi.message}`)];
  }
}

function isCustomMessage(message: string): boolean {
  return !/^(Invalid|Too (small|big))/.test(message);
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object': return 'a mapping of keys';
    case 'array': return 'a list';
    case 'int': return 'a whole number';
    default: return expected;
  }
}

function article(text: string): string {
  return /^(a |an )/.test(text) ? text : /^[aeiou]/.test(text) ? `an ${text}` : `a ${text}`;
}

/** The closest known key, for "did you mean" hints (Levenshtein distance ≤ 3, case-insensitive). */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

export function formatIssues(issues: readonly ConfigIssue[], fileName?: string): string {
  return issues
    .map((i) => {
      const where = fileName ? `${fileName}${i.line ? `:${i.line}` : ''}: ` : i.line ? `line ${i.line}: ` : '';
      return `${where}${i.severity === 'warning' ? 'warning: ' : ''}${i.path}: ${i.message}`;
    })
    .join('\n');
}
