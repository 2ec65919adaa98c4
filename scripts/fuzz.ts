/**
 * The long fuzz campaign: every property of test/support/fuzz-properties.ts, run for FUZZ_SECONDS in
 * total (default 60, shared equally), from FUZZ_SEED or a random seed. A failure prints the
 * property, seed, path and counterexample, plus the entry to add to test/fuzz/regressions.test.ts.
 *
 *   npm run fuzz                       # 60 s
 *   FUZZ_SECONDS=600 npm run fuzz      # longer
 *   FUZZ_SEED=123 FUZZ_ONLY=checkTarget npm run fuzz
 */
import fc from 'fast-check';
import { ALL } from '../test/support/fuzz-properties.ts';

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`FUZZ_SECONDS must be a positive number, not ${JSON.stringify(process.env.FUZZ_SECONDS)}`);
  process.exit(2);
}
const only = process.env.FUZZ_ONLY;
const properties = ALL.filter((p) => !only || p.name.includes(only));
if (properties.length === 0) {
  console.error(`no property matches FUZZ_ONLY=${JSON.stringify(only)}`);
  process.exit(2);
}
const budgetMs = Math.max(1000, Math.floor((seconds * 1000) / properties.length));
const baseSeed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`fuzz: ${properties.length} properties, ${budgetMs} ms each, seed ${baseSeed}`);

let failures = 0;
for (const [i, p] of properties.entries()) {
  const seed = (baseSeed + i) | 0;
  const started = performance.now();
  const details = await fc.check(p.property, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false });
  const ms = Math.round(performance.now() - started);
  if (!details.failed) {
    console.log(`  ok    ${details.numRuns.toString().padStart(8)} runs ${String(ms).padStart(6)} ms  ${p.name}`);
    continue;
  }
  failures++;
  console.log(`  FAIL  after ${details.numRuns} runs  ${p.name}`);
  console.log(`        seed ${details.seed}, path ${JSON.stringify(details.counterexamplePath)}`);
  console.log(`        counterexample ${fc.stringify(details.counterexample)}`);
  console.log(`        ${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance).split('\n')[0]}`);
  console.log(`        regression entry: { property: ${JSON.stringify(p.name.split(':')[0])}, seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)}, input: ${fc.stringify(details.counterexample)} },`);
}
console.log(failures === 0 ? 'fuzz: no counterexample' : `fuzz: ${failures} propert${failures === 1 ? 'y' : 'ies'} failed`);
process.exit(failures === 0 ? 0 : 1);
