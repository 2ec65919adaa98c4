#!/usr/bin/env node
// Launcher: in a checkout, run the TypeScript sources directly (Node >= 22.18 strips types);
// in an installed package (under node_modules, where Node refuses to strip types), run dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'src', 'cli', 'main.ts');
const built = path.join(root, 'dist', 'cli', 'main.js');
const useSource = existsSync(source) && !root.split(path.sep).includes('node_modules');
const [major, minor] = process.versions.node.split('.').map(Number);
if (useSource && (major < 22 || (major === 22 && minor < 18))) {
  process.stderr.write(`authgate: Node ${process.versions.node} cannot run the TypeScript sources; use Node 24 (npm install brings it: run through npm scripts) or build with npm run build\n`);
  process.exit(1);
}
const { main } = await import(useSource ? source : built);
process.exitCode = await main(process.argv.slice(2));
