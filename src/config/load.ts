/** Reads a YAML configuration, validates it against the schema and the semantic checks. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { configSchema, type Config } from './schema/index.ts';
import { keysAt } from './schema/walk.ts';
import { fromZodIssue, issue, type ConfigIssue } from './issues.ts';
import { semanticIssues, type AccountCheck } from './semantic.ts';
import { fileKeyIssues } from './file-keys.ts';
import { resolveConfigPath } from './paths.ts';
import type { SecretContext } from './secrets.ts';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the text came from; relative paths also resolve against its directory. */
  fileName?: string;
  /** Checks process.user / process.group against the system's accounts (check-config and serve pass the privileges adapter); omitted, the check is skipped. */
  accountProblems?: AccountCheck | undefined;
}

export interface LoadedConfig extends SecretContext {
  config: Config;
  fileName: string | undefined;
  warnings: ConfigIssue[];
  /** The account check this configuration was validated with, so a reload validates the same way. */
  accountProblems?: AccountCheck | undefined;
}

export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; issues: ConfigIssue[] };

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export function loadConfigText(text: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configDir = options.fileName ? path.dirname(path.resolve(cwd, options.fileName)) : undefined;
  if (text.length > MAX_CONFIG_BYTES) return { ok: false, issues: [issue('(file)', `is ${text.length} bytes; a configuration over 4 MiB is refused`)] };

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        // With prettyErrors off, linePos is not filled in: compute it from the offset.
        const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: '(yaml)', message: `${e.message.split('\n')[0]} (column ${at.col})`, severity: 'error' as const, line: at.line };
      }),
    };
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // An alias bomb or an alias to an undefined anchor throws here, after parsing succeeded.
    return { ok: false, issues: [issue('(yaml)', (error as Error).message.split('\n')[0] as string)] };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [issue('(root)', 'must be a mapping of keys (listen, upstream, auth, …)')] };
  }

  const ctx: SecretContext = { env, resolvePath: (file) => resolveConfigPath(file, cwd, configDir) };
  const files = fileKeyIssues(input, ctx.resolvePath);
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((zi) => fromZodIssue(zi, (p) => keysAt(configSchema, p, input)));
    return { ok: false, issues: byLine(withLines(union(issues, files), doc, lineCounter)) };
  }

  const semantic = byLine(withLines(union(semanticIssues(parsed.data, { ...ctx, accountProblems: options.accountProblems }), files), doc, lineCounter));
  const errors = semantic.filter((i) => i.severity === 'error');
  if (errors.length > 0) return { ok: false, issues: semantic };
  return {
    ok: true,
    loaded: { config: parsed.data, fileName: options.fileName, warnings: semantic, env, resolvePath: ctx.resolvePath, accountProblems: options.accountProblems },
  };
}

export function loadConfigFile(fileName: string, options: Omit<LoadOptions, 'fileName'> = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path.resolve(options.cwd ?? process.cwd(), fileName), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, issues: [issue('(file)', `cannot read ${fileName} (${code === 'ENOENT' ? 'no such file' : code})`)] };
  }
  return loadConfigText(text, { ...options, fileName });
}

/** Adds the YAML line of each issue's key where the key exists in the document. */
function withLines(issues: ConfigIssue[], doc: Document, lineCounter: LineCounter): ConfigIssue[] {
  return issues.map((i) => {
    const keys = i.path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true);
      if (isNode(node) && node.range) return { ...i, line: lineCounter.linePos(node.range[0]).line };
    }
    return i;
  });
}

/** Issues of `first`, plus those of `second` at key paths `first` does not already mention. */
function union(first: ConfigIssue[], second: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set(first.map((i) => i.path));
  return [...first, ...second.filter((i) => !seen.has(i.path))];
}

function byLine(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}
