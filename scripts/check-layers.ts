/**
 * `node scripts/check-layers.ts` (part of `npm run lint`): every import between top-level folders
 * of src/ must be an arrow of the layer table in scripts/layers.ts, the folder graph must have no
 * cycle, and docs/architecture.md must show the same table. `--write-doc` rewrites the doc's table.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { folderArrows, layerProblems, renderLayerTable, withLayerTable } from './layers.ts';

const root = path.resolve(import.meta.dirname, '..');
const DOC = 'docs/architecture.md';

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|js|mts|cts)$/.test(e.name) ? [rel] : [];
  });
}

const files = sourceFiles('src').map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
const folders = readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const problems = layerProblems(folderArrows(files), folders);

const doc = readFileSync(path.join(root, DOC), 'utf8');
const expected = withLayerTable(doc, renderLayerTable());
if (expected === undefined) problems.push(`${DOC} has no generated layer table (the layers:begin / layers:end markers)`);
else if (expected !== doc) {
  if (process.argv.includes('--write-doc')) writeFileSync(path.join(root, DOC), expected);
  else problems.push(`${DOC}'s layer table differs from scripts/layers.ts; run \`node scripts/check-layers.ts --write-doc\``);
}

if (problems.length > 0) {
  process.stderr.write(`${problems.map((p) => `layers: ${p}`).join('\n')}\n${problems.length} layering problem${problems.length === 1 ? '' : 's'}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`layers: ${files.length} files in ${folders.length} folders follow scripts/layers.ts\n`);
}
