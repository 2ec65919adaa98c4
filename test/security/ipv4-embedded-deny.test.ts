/**
 * An IPv4 deny list was escaped by writing the client's IPv4 address inside an IPv6 one:
 * `deny: [10.0.0.0/8]` refused `10.0.0.1` and `::ffff:10.0.0.1` but let the NAT64 form
 * `64:ff9b::a00:1` and the 6to4 form `2002:a00:1::1` in. The client address comes through a
 * trusted proxy's X-Forwarded-For here, as it does behind a NAT64 gateway or load balancer.
 */
import t from 'tap';
import { fetchText, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({
    config: {
      upstream: { url: upstream.url },
      network: { trustedProxies: ['127.0.0.1'], deny: ['10.0.0.0/8'], allow: ['0.0.0.0/0', '::/0'] },
      authorization: { rules: [{ name: 'open', paths: ['/open/**'], action: 'public' }] },
    },
  });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

const cases: Array<{ client: string; denied: boolean }> = [
  { client: '10.0.0.1', denied: true },
  { client: '::ffff:10.0.0.1', denied: true },
  { client: '64:ff9b::a00:1', denied: true },
  { client: '64:ff9b::10.200.3.4', denied: true },
  { client: '2002:a00:1::1', denied: true },
  { client: '[2002:0a01:0203:4::5]', denied: true },
  { client: '64:ff9b::b00:1', denied: false },
  { client: '2002:b00:1::1', denied: false },
];

for (const c of cases) {
  t.test(`X-Forwarded-For: ${c.client} ${c.denied ? 'is' : 'is not'} refused by deny 10.0.0.0/8`, async (t) => {
    const before = upstream.received.length;
    const r = await fetchText(ag, '/open/page', { headers: { 'x-forwarded-for': c.client } });
    if (c.denied) {
      t.equal(r.status, 403);
      t.match(r.body, /ip-denied/);
      t.equal(upstream.received.length, before, 'nothing reached the upstream');
      t.ok(ag.audit.some((line) => line.includes('net.ip.refused') && line.includes('ip-denied')), 'audited');
    } else {
      t.equal(r.status, 200);
    }
  });
}
