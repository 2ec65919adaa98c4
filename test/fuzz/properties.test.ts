/** The fuzz properties of test/support/fuzz-properties.ts with modest run counts (`npm run fuzz` runs them for longer). */
import t from 'tap';
import fc from 'fast-check';
import { ALL } from '../support/fuzz-properties.ts';

for (const p of ALL) {
  t.test(p.name, async (t) => {
    await fc.assert(p.property, { numRuns: p.quickRuns });
    t.pass(`${p.quickRuns} runs, no counterexample`);
  });
}
