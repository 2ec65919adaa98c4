/**
 * A rule that lists GET must also cover HEAD: upstreams answer HEAD with their GET handler
 * (headers, Content-Length, sometimes side effects), so a `methods: [GET]` deny rule that
 * HEAD slips past leaks what it protects. Before the fix, HEAD matched no GET rule.
 */
import t from 'tap';
import { startAuthgate, login, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, rawGet, statusOf } from './support.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;
let bob: string;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url, profile: 'connect', passApiKeys: true },
      authorization: {
        rules: [
          { name: 'no-export-download', paths: ['/export/**'], methods: ['GET'], action: 'deny' },
          { name: 'no-head-probe', paths: ['/probe/**'], methods: ['HEAD'], action: 'deny' },
          { name: 'no-key-reads-of-users', paths: ['/__api__/v1/users/**'], methods: ['get'], action: 'deny' },
          { name: 'connect-api-keys', paths: ['/__api__/**'], apiKeys: true, action: 'allow' },
        ],
      },
    },
  });
  bob = (await login(ag, 'bob', 'bob-Passw0rd!')).cookie!;
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

let counter = 0;
const forwarded = (path: string) => upstream.received.some((r) => r.url === path);

const cases: Array<{ name: string; method: string; path: string; lines: () => string[]; status: number }> = [
  { name: 'HEAD is denied by a GET-only deny rule', method: 'HEAD', path: '/export/report.csv', lines: () => [`Cookie: ${bob}`], status: 403 },
  { name: 'GET is still denied', method: 'GET', path: '/export/report.csv', lines: () => [`Cookie: ${bob}`], status: 403 },
  { name: 'POST is not covered by the GET rule', method: 'POST', path: '/export/report.csv', lines: () => [`Cookie: ${bob}`, 'Content-Length: 0'], status: 200 },
  { name: 'a HEAD-only rule does not cover GET', method: 'GET', path: '/probe/x', lines: () => [`Cookie: ${bob}`], status: 200 },
  { name: 'a HEAD-only rule covers HEAD', method: 'HEAD', path: '/probe/x', lines: () => [`Cookie: ${bob}`], status: 403 },
  { name: 'HEAD with an API key is denied by a lower-case get rule', method: 'HEAD', path: '/__api__/v1/users/alice', lines: () => ['Authorization: Key abc123'], status: 403 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const path = `${c.path}?n=${++counter}`;
    const answer = await exchange(ag, rawGet(path, [...c.lines(), 'Accept: application/json'], c.method));
    t.equal(statusOf(answer), c.status);
    t.equal(forwarded(path), c.status === 200, c.status === 200 ? 'forwarded' : 'never forwarded');
  });
}
