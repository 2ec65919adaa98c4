import t from 'tap';
import { websocketOriginPolicy } from '../../../src/proxy/origin.ts';

const policy = websocketOriginPolicy('https://rstudio.example.com', ['https://apps.example.com:8443', 'HTTPS://Shiny.Example.COM']);

const cases: Array<[string | undefined, boolean]> = [
  [undefined, true],
  ['https://rstudio.example.com', true],
  ['HTTPS://RSTUDIO.EXAMPLE.COM', true],
  ['https://apps.example.com:8443', true],
  ['https://shiny.example.com', true],
  ['https://evil.example', false],
  ['http://rstudio.example.com', false],
  ['https://rstudio.example.com:8443', false],
  ['https://rstudio.example.com.evil.example', false],
  ['https://evil.rstudio.example.com', false],
  ['https://apps.example.com', false],
  ['null', false],
  ['', false],
  ['https://rstudio.example.com, https://evil.example', false],
  ['https://rstudio.example.com/', false],
];
for (const [origin, expected] of cases) {
  t.test(`Origin ${JSON.stringify(origin)}`, async (t) => {
    t.equal(policy.allows(origin), expected);
  });
}

t.test('a publicUrl with a default port and a path reduces to its origin', async (t) => {
  const p = websocketOriginPolicy('https://gate.example:443', []);
  t.equal(p.allows('https://gate.example'), true);
});
