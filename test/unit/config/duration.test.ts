import t from 'tap';
import { parseDuration, formatDuration } from '../../../src/config/duration.ts';

const cases: Array<[string, number | undefined]> = [
  ['30s', 30_000], ['15m', 900_000], ['8h', 28_800_000], ['7d', 604_800_000], ['250ms', 250],
  ['1h30m', 5_400_000], ['0', 0], ['1.5s', 1500], [' 2m ', 120_000],
  ['', undefined], ['8', undefined], ['8 hours', undefined], ['h', undefined], ['-5s', undefined], ['5x', undefined], ['1e3s', undefined],
];
for (const [text, expected] of cases) {
  t.test(`parseDuration(${JSON.stringify(text)})`, async (t) => {
    t.equal(parseDuration(text), expected);
  });
}

t.test('formatDuration picks the largest whole unit', async (t) => {
  t.equal(formatDuration(28_800_000), '8h');
  t.equal(formatDuration(90_000), '90s');
  t.equal(formatDuration(604_800_000), '7d');
  t.equal(formatDuration(250), '250ms');
});
