/** Writes docs/configuration.md from the schema (`npm run docs:config`); `--check` fails when it is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchema } from '../src/config/index.ts';
import { configurationMarkdown } from '../src/config/docs.ts';

const target = path.resolve(import.meta.dirname, '../docs/configuration.md');
const markdown = configurationMarkdown(configJsonSchema());
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = '';
  }
  if (current !== markdown) {
    process.stderr.write('docs/configuration.md is out of date: run `npm run docs:config`\n');
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date\n');
} else {
  writeFileSync(target, markdown);
  process.stdout.write(`wrote ${target}\n`);
}
