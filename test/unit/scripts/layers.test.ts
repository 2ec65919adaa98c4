/** The layering rule (scripts/layers.ts): imports parsed, files mapped to folders, arrows and cycles refused. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findCycle, folderArrows, folderOf, LAYERS, layerProblems, relativeImports, renderLayerTable, tableProblems, withLayerTable, type Layer } from '../../../scripts/layers.ts';

const SMALL: Layer[] = [
  { folder: 'core', role: 'leaf', imports: [] },
  { folder: 'policy', role: 'rules', imports: ['core'] },
  { folder: 'server', role: 'pipeline', imports: ['core', 'policy'] },
];

t.test('every kind of relative import is seen, packages and node: modules are not', async (t) => {
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from '../core/index.ts';",
    "import './side-effect.ts';",
    "export { c } from '../policy/index.ts';",
    "export * from './d.ts';",
    "export type { E } from '../store/index.ts';",
    "const m = await import('../cli/serve.ts');",
    "import fs from 'node:fs';",
    "import { z } from 'zod';",
    "// import { x } from '../commented/out.ts';",
  ].join('\n');
  t.same(relativeImports(text).sort(), ['../cli/serve.ts', '../core/index.ts', '../policy/index.ts', '../store/index.ts', './a.ts', './d.ts', './side-effect.ts'].sort());
});

t.test('files map to their top-level folder under src/', async (t) => {
  t.equal(folderOf('src/auth/ldap/login.ts'), 'auth');
  t.equal(folderOf('src/core/errors.ts'), 'core');
  t.equal(folderOf('src/main.ts'), undefined, 'a file directly in src/ belongs to no folder');
  t.equal(folderOf('test/unit/x.test.ts'), undefined);
  t.equal(folderOf('src/auth/../core/index.ts'), 'core', 'resolved before mapping');
});

t.test('arrows: one per folder pair, within-folder imports ignored, nested paths resolved', async (t) => {
  const arrows = folderArrows([
    { file: 'src/server/pipeline.ts', text: "import { x } from './routes.ts';\nimport type { D } from '../policy/index.ts';" },
    { file: 'src/server/nested/deep.ts', text: "export { y } from '../../policy/rules.ts';\nimport { z } from '../../core/index.ts';" },
    { file: 'src/policy/rules.ts', text: "import { e } from '../core/errors.ts';" },
  ]);
  t.same(arrows.map((a) => `${a.from}->${a.to}`), ['policy->core', 'server->core', 'server->policy']);
});

t.test('the real tree follows the table', async (t) => {
  t.same(tableProblems(LAYERS), [], 'the table is ordered and has no cycle');
  const ok = folderArrows([{ file: 'src/server/a.ts', text: "import { p } from '../policy/index.ts';" }]);
  t.same(layerProblems(ok, ['core', 'policy', 'server'], SMALL), []);
});

t.test('a deliberately wrong import fails: an arrow against the documented direction', async (t) => {
  const wrong = folderArrows([{ file: 'src/policy/rules.ts', text: "import type { Runtime } from '../server/runtime.ts';" }]);
  const problems = layerProblems(wrong, ['core', 'policy', 'server'], SMALL);
  t.equal(problems.length, 1);
  t.match(problems[0], /src\/policy\/rules\.ts imports "\.\.\/server\/runtime\.ts": policy -> server is not an allowed arrow \(scripts\/layers\.ts lets policy import: core\)/);
});

t.test('a cycle between folders is named, whether or not the table allows its arrows', async (t) => {
  const cyclic = folderArrows([
    { file: 'src/core/a.ts', text: "import { p } from '../policy/index.ts';" },
    { file: 'src/policy/b.ts', text: "import { c } from '../core/index.ts';" },
  ]);
  const problems = layerProblems(cyclic, ['core', 'policy', 'server'], SMALL);
  t.ok(problems.some((p) => /core -> policy is not an allowed arrow/.test(p)));
  t.ok(problems.some((p) => p === 'the folders import each other in a cycle: core -> policy -> core'), problems.join('\n'));
  t.same(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  t.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), undefined, 'a diamond is not a cycle');
});

t.test('a folder missing from the table, and a table that points up or loops, are refused', async (t) => {
  t.match(layerProblems([], ['core', 'policy', 'server', 'extra'], SMALL), [/src\/extra\/ is not in the layer table/]);
  t.match(tableProblems([{ folder: 'core', role: '', imports: ['policy'] }, { folder: 'policy', role: '', imports: ['core'] }]), [
    /lets core import policy, which is not below it/,
    /the table has a cycle: core -> policy -> core/,
  ]);
  t.match(tableProblems([{ folder: 'core', role: '', imports: ['nowhere'] }]), [/lets core import nowhere, which is not a folder of the table/]);
});

t.test('docs/architecture.md shows the same table as scripts/layers.ts', async (t) => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/architecture.md'), 'utf8');
  t.equal(withLayerTable(doc, renderLayerTable()), doc);
  t.equal(withLayerTable('no markers', renderLayerTable()), undefined);
});
