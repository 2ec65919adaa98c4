/**
 * Counterexamples the fuzz campaign (`npm run fuzz`) found, kept as regression tests: the
 * concrete input, and the seed and path that replay it through the property (the replay holds
 * as long as the property's generators are unchanged; the concrete input always holds).
 */
import t from 'tap';
import fc from 'fast-check';
import { safeReturnTo } from '../../src/server/routes/return-to.ts';
import { returnTo, type FuzzProperty } from '../support/fuzz-properties.ts';

interface Regression {
  name: string;
  property: FuzzProperty;
  seed: number;
  path: string;
  /** The counterexample itself, checked directly. */
  check(t: import('tap').Test): void;
}

const idempotent = (input: string) => (t: import('tap').Test) => {
  const once = safeReturnTo(input);
  t.equal(safeReturnTo(once), once, `${JSON.stringify(input)} -> ${JSON.stringify(once)} is accepted as it is`);
};

const REGRESSIONS: Regression[] = [
  {
    name: 'safeReturnTo: "/%\\"" became "/%%22", which the login POST then refused (not idempotent)',
    property: returnTo,
    seed: 531772929,
    path: '2579:1:10:9:10:9:10:11:10:10:10:10:8',
    check: idempotent('/%"'),
  },
  {
    name: 'safeReturnTo: "/./http:" became "/http:", which the next pass refused as a scheme (not idempotent)',
    property: returnTo,
    seed: 531772924,
    path: '282746:18:16:17',
    check: idempotent('/./http:'),
  },
  {
    name: 'safeReturnTo: "/./javascript:" became "/javascript:", which the next pass refused (not idempotent)',
    property: returnTo,
    seed: 198231161,
    path: '826761:2:8',
    check: idempotent('/./javascript:'),
  },
];

for (const r of REGRESSIONS) {
  t.test(r.name, async (t) => {
    r.check(t);
    await fc.assert(r.property.property, { seed: r.seed, path: r.path, numRuns: 1 });
    t.pass(`seed ${r.seed} path ${r.path} replays cleanly`);
  });
}
