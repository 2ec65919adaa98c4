import t from 'tap';
import { httpsRedirectLocation } from '../../../src/server/http-redirect.ts';

const PUBLIC = new URL('https://rstudio.example.com');

const cases: Array<{ name: string; target: string | undefined; want: string }> = [
  { name: 'root', target: '/', want: 'https://rstudio.example.com/' },
  { name: 'path and query kept', target: '/connect/app?x=1&y=%2F', want: 'https://rstudio.example.com/connect/app?x=1&y=%2F' },
  { name: 'scheme-relative', target: '//evil.example/x', want: 'https://rstudio.example.com/' },
  { name: 'triple slash', target: '///evil.example', want: 'https://rstudio.example.com/' },
  { name: 'backslash', target: '/\\evil.example', want: 'https://rstudio.example.com/' },
  { name: 'absolute-form', target: 'http://evil.example/x', want: 'https://rstudio.example.com/' },
  { name: 'authority-form', target: 'evil.example:443', want: 'https://rstudio.example.com/' },
  { name: 'asterisk', target: '*', want: 'https://rstudio.example.com/' },
  { name: 'fragment', target: '/x#//evil', want: 'https://rstudio.example.com/' },
  { name: 'tab', target: '/\t/evil.example', want: 'https://rstudio.example.com/' },
  { name: 'CRLF', target: '/x\r\nSet-Cookie: a=1', want: 'https://rstudio.example.com/' },
  { name: 'non-ASCII', target: '/\uFF0Fevil.example', want: 'https://rstudio.example.com/' },
  { name: 'empty', target: '', want: 'https://rstudio.example.com/' },
  { name: 'missing', target: undefined, want: 'https://rstudio.example.com/' },
  { name: 'query with slashes stays on the origin', target: '/?next=//evil.example', want: 'https://rstudio.example.com/?next=//evil.example' },
  { name: 'at sign in the path', target: '/@evil.example', want: 'https://rstudio.example.com/@evil.example' },
  { name: 'oversized', target: `/${'a'.repeat(9000)}`, want: 'https://rstudio.example.com/' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(httpsRedirectLocation(PUBLIC, c.target), c.want);
  });
}

t.test('publicUrl with a port and a path: the fallback is publicUrl itself with a trailing slash', async (t) => {
  const pub = new URL('https://gate.example:8443/rstudio');
  t.equal(httpsRedirectLocation(pub, '//evil.example'), 'https://gate.example:8443/rstudio/');
  t.equal(httpsRedirectLocation(pub, '/rstudio/x?y'), 'https://gate.example:8443/rstudio/x?y');
});
