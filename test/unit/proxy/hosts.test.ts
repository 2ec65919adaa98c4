import t from 'tap';
import { acceptedHosts, hostEntryProblem } from '../../../src/proxy/hosts.ts';

const cases: Array<{ name: string; publicUrl: string; extra?: string[]; publicHost: string; yes: string[]; no: Array<string | undefined> }> = [
  {
    name: 'default port',
    publicUrl: 'https://rstudio.example.com',
    publicHost: 'rstudio.example.com',
    yes: ['rstudio.example.com', 'RStudio.Example.COM', 'rstudio.example.com:443'],
    no: [undefined, '', 'evil.example', 'rstudio.example.com:8443', 'rstudio.example.com.', 'rstudio.example.com.evil.example', 'rstudio.example.com:80', '10.0.0.7:8443', 'rstudio.example.com@evil'],
  },
  {
    name: 'explicit default port in publicUrl',
    publicUrl: 'https://rstudio.example.com:443/',
    publicHost: 'rstudio.example.com',
    yes: ['rstudio.example.com', 'rstudio.example.com:443'],
    no: ['rstudio.example.com:8443'],
  },
  {
    name: 'non-default port (the demo)',
    publicUrl: 'https://localhost:8443',
    publicHost: 'localhost:8443',
    yes: ['localhost:8443', 'LOCALHOST:8443'],
    no: ['localhost', 'localhost:443', '127.0.0.1:8443'],
  },
  {
    name: 'extra hosts, exactly as listed',
    publicUrl: 'https://rstudio.example.com',
    extra: ['authgate.internal:8443', 'Alt.Example.com'],
    publicHost: 'rstudio.example.com',
    yes: ['authgate.internal:8443', 'alt.example.com', 'ALT.EXAMPLE.COM'],
    no: ['authgate.internal', 'alt.example.com:443'],
  },
  {
    name: 'IPv6 literal',
    publicUrl: 'https://[::1]:8443',
    publicHost: '[::1]:8443',
    yes: ['[::1]:8443'],
    no: ['::1', '[::1]'],
  },
];
for (const c of cases) {
  t.test(`acceptedHosts: ${c.name}`, async (t) => {
    const hosts = acceptedHosts(new URL(c.publicUrl), c.extra ?? []);
    t.equal(hosts.publicHost, c.publicHost);
    for (const h of c.yes) t.equal(hosts.accepts(h), true, `accepts ${h}`);
    for (const h of c.no) t.equal(hosts.accepts(h), false, `refuses ${String(h)}`);
  });
}

t.test('hostEntryProblem', async (t) => {
  for (const ok of ['authgate.internal', 'authgate.internal:8443', '10.0.0.7:8443', '[::1]:8443', 'localhost']) t.equal(hostEntryProblem(ok), undefined, ok);
  for (const bad of ['', 'https://x', 'x/y', 'user@x', 'x:99999', 'x y', 'x?y', 'x#y']) t.type(hostEntryProblem(bad), 'string', bad);
});
