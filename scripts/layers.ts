/**
 * The layering of src/, written down once: which top-level folder may import which. Checked by
 * scripts/check-layers.ts (part of `npm run lint`) against every relative import in src/ (value
 * and type imports, re-exports, dynamic imports), and rendered into docs/architecture.md.
 *
 * Read top to bottom: a folder imports only folders listed for it, and every one of those sits
 * lower in this list, so the folder graph has no cycle. To add an arrow, add it here (against the
 * documented direction, it is refused: the check also proves the table itself has no cycle), run
 * `node scripts/check-layers.ts --write-doc`, and say why in the commit.
 */
import ts from 'typescript';
import path from 'node:path';

export interface Layer {
  /** Top-level folder under src/. */
  folder: string;
  /** What it is, one line (shown in docs/architecture.md). */
  role: string;
  /** Folders it may import. */
  imports: readonly string[];
}

/** Tiers from the leaves up; the order of the rows is the documented direction. */
export const LAYERS: readonly Layer[] = [
  { folder: 'core', role: 'domain types (Identity, Profile, Role), the error type, the LRU cache', imports: [] },
  { folder: 'ldap-syntax', role: 'LDAP DN and filter syntax shared by config checks and the LDAP provider', imports: [] },
  { folder: 'net', role: 'CIDRs, client IP behind trusted proxies, network policy', imports: ['core'] },
  { folder: 'tls', role: 'certificate files, hot reload, the demo self-signed certificate', imports: ['core'] },
  { folder: 'policy', role: 'roles, permitted groups, path rules -> Decision (pure)', imports: ['core', 'net'] },
  { folder: 'proxy', role: 'forwarding (undici), WebSocket piping, hop-by-hop and host headers', imports: ['core'] },
  { folder: 'identity', role: 'identity headers and the signed assertion, JWKS', imports: ['core'] },
  { folder: 'privileges', role: 'privilege drop: pure account planning (plan.ts) and the OS adapter (os.ts)', imports: ['core'] },
  { folder: 'observability', role: 'logger, audit log, metrics, recording refusals', imports: ['core'] },
  { folder: 'config', role: 'YAML loading, the zod schema, semantic checks', imports: ['core', 'identity', 'ldap-syntax', 'policy', 'proxy'] },
  { folder: 'store', role: 'shared key-value store: memory, Redis, fallback', imports: ['config', 'observability'] },
  { folder: 'session', role: 'sealed session cookies, the session manager, refresh schedule, WebSocket sessions', imports: ['core', 'store'] },
  { folder: 'auth', role: 'providers (local, LDAP, OIDC), admit(), login throttling', imports: ['config', 'core', 'ldap-syntax', 'net', 'observability', 'policy', 'store'] },
  {
    folder: 'server',
    role: 'listeners, the request pipeline, runtime and reload; routes/: the reserved routes (login, logout, OIDC, pages, forms)',
    imports: ['auth', 'config', 'core', 'identity', 'net', 'observability', 'policy', 'proxy', 'session', 'tls'],
  },
  { folder: 'demo', role: 'the whoami demo upstream', imports: ['server'] },
  { folder: 'connect', role: 'import-connect: RStudio Connect gcfg -> authgate YAML', imports: ['config', 'core'] },
  {
    folder: 'cli',
    role: 'the `authgate` commands (serve, check-config, ...)',
    imports: ['auth', 'config', 'connect', 'core', 'demo', 'identity', 'observability', 'policy', 'privileges', 'server'],
  },
];

export interface Arrow {
  from: string;
  to: string;
  /** One importing file and what it imported (for the message). */
  file: string;
  specifier: string;
}

/** Relative module specifiers of a TypeScript file: imports, `import type`, `export ... from`, dynamic `import()`. */
export function relativeImports(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('./') || name.startsWith('../'));
}

/** `src/auth/ldap/login.ts` -> `auth`; a file outside src/ or directly in it -> undefined. Paths are relative to the repository, with `/`. */
export function folderOf(file: string): string | undefined {
  const parts = path.posix.normalize(file).split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/** Arrows between different top-level folders, one per (from, to) pair. */
export function folderArrows(files: ReadonlyArray<{ file: string; text: string }>): Arrow[] {
  const arrows = new Map<string, Arrow>();
  for (const { file, text } of files) {
    const from = folderOf(file);
    if (from === undefined) continue;
    for (const specifier of relativeImports(text)) {
      const target = path.posix.join(path.posix.dirname(file), specifier);
      const to = folderOf(target) ?? (target.startsWith('src/') ? '(src)' : '(outside src)');
      if (to === from) continue;
      const key = `${from}->${to}`;
      if (!arrows.has(key)) arrows.set(key, { from, to, file, specifier });
    }
  }
  return [...arrows.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** One cycle of the graph (as a path that ends where it starts), or undefined. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Everything wrong with the table itself: unknown folders, an arrow up the list, a cycle. */
export function tableProblems(layers: readonly Layer[]): string[] {
  const problems: string[] = [];
  const rank = new Map(layers.map((l, i) => [l.folder, i]));
  for (const [i, layer] of layers.entries()) {
    if (rank.get(layer.folder) !== i) problems.push(`the table lists ${layer.folder} twice`);
    for (const to of layer.imports) {
      const r = rank.get(to);
      if (r === undefined) problems.push(`the table lets ${layer.folder} import ${to}, which is not a folder of the table`);
      else if (r >= i) problems.push(`the table lets ${layer.folder} import ${to}, which is not below it`);
    }
  }
  const cycle = findCycle(new Map(layers.map((l) => [l.folder, l.imports])));
  if (cycle) problems.push(`the table has a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Every actual arrow the table does not allow, every folder it does not know, and any cycle in the actual graph. */
export function layerProblems(arrows: readonly Arrow[], folders: readonly string[], layers: readonly Layer[] = LAYERS): string[] {
  const problems = tableProblems(layers);
  const allowed = new Map(layers.map((l) => [l.folder, new Set(l.imports)]));
  for (const folder of folders) if (!allowed.has(folder)) problems.push(`src/${folder}/ is not in the layer table (scripts/layers.ts); add it with the folders it may import`);
  for (const a of arrows) {
    if (!allowed.get(a.from)?.has(a.to)) {
      problems.push(`${a.file} imports "${a.specifier}": ${a.from} -> ${a.to} is not an allowed arrow (scripts/layers.ts lets ${a.from} import: ${[...(allowed.get(a.from) ?? [])].join(', ') || 'nothing'})`);
    }
  }
  const graph = new Map<string, string[]>();
  for (const a of arrows) graph.set(a.from, [...(graph.get(a.from) ?? []), a.to]);
  const cycle = findCycle(graph);
  if (cycle) problems.push(`the folders import each other in a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

export const DOC_BEGIN = '<!-- layers:begin (generated from scripts/layers.ts by `node scripts/check-layers.ts --write-doc`) -->';
export const DOC_END = '<!-- layers:end -->';

/** The Markdown table for docs/architecture.md, leaves first. */
export function renderLayerTable(layers: readonly Layer[] = LAYERS): string {
  const rows = layers.map((l) => `| \`${l.folder}/\` | ${l.role} | ${l.imports.length === 0 ? 'nothing (leaf)' : l.imports.map((i) => `\`${i}\``).join(', ')} |`);
  return [DOC_BEGIN, '| folder | what | may import |', '| --- | --- | --- |', ...rows, DOC_END].join('\n');
}

/** `doc` with the generated section replaced by `table`, or undefined when it has no such section. */
export function withLayerTable(doc: string, table: string): string | undefined {
  const begin = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  if (begin < 0 || end < begin) return undefined;
  return doc.slice(0, begin) + table + doc.slice(end + DOC_END.length);
}
