import t from 'tap';
import fc from 'fast-check';
import { compileCidrs, normaliseAddress } from '../../../src/net/cidr.ts';
import { resolveClientIp, type ClientAddress } from '../../../src/net/client-ip.ts';

const TRUSTED = ['10.0.0.0/8', 'fd00::/8'];

interface Case {
  name: string;
  peer: string | undefined;
  xff: string | string[] | undefined;
  trusted?: string[];
  expected: ClientAddress;
}

const cases: Case[] = [
  { name: 'no XFF: the socket peer', peer: '203.0.113.5', xff: undefined, expected: { ip: '203.0.113.5', via: [] } },
  { name: 'IPv4-mapped peer is normalised', peer: '::ffff:203.0.113.5', xff: undefined, expected: { ip: '203.0.113.5', via: [] } },
  { name: 'IPv6 peer', peer: '2001:db8::5', xff: undefined, expected: { ip: '2001:db8::5', via: [] } },
  { name: 'undefined peer (destroyed socket) is 0.0.0.0', peer: undefined, xff: undefined, expected: { ip: '0.0.0.0', via: [] } },
  { name: 'untrusted peer: XFF ignored entirely', peer: '203.0.113.5', xff: '198.51.100.1', expected: { ip: '203.0.113.5', via: [] } },
  { name: 'untrusted peer claiming a trusted chain: ignored', peer: '203.0.113.5', xff: '198.51.100.1, 10.0.0.1, 10.0.0.2', expected: { ip: '203.0.113.5', via: [] } },
  { name: 'no trusted proxies configured: XFF ignored even from 10/8', peer: '10.0.0.1', xff: '198.51.100.1', trusted: [], expected: { ip: '10.0.0.1', via: [] } },
  { name: 'trusted peer, one entry', peer: '10.0.0.1', xff: '198.51.100.1', expected: { ip: '198.51.100.1', via: ['10.0.0.1'] } },
  { name: 'trusted IPv4-mapped peer', peer: '::ffff:10.0.0.1', xff: '198.51.100.1', expected: { ip: '198.51.100.1', via: ['10.0.0.1'] } },
  { name: 'trusted peer, empty XFF header: the peer', peer: '10.0.0.1', xff: '', expected: { ip: '10.0.0.1', via: [] } },
  {
    name: 'spoofed leftmost entry is not believed (rightmost untrusted wins)',
    peer: '10.0.0.1',
    xff: '1.1.1.1, 198.51.100.1',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1'] },
  },
  {
    name: 'walks right to left through trusted hops',
    peer: '10.0.0.1',
    xff: '198.51.100.1, 10.0.0.3, 10.0.0.2',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] },
  },
  {
    name: 'spoofed entry left of the real client is not believed',
    peer: '10.0.0.1',
    xff: '6.6.6.6, 198.51.100.1, 10.0.0.2',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2'] },
  },
  {
    name: 'leftmost believed only when every hop after it is trusted',
    peer: '10.0.0.1',
    xff: '198.51.100.1, 10.0.0.3, 10.0.0.2',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] },
  },
  {
    name: 'all entries trusted: the leftmost (a trusted address)',
    peer: '10.0.0.1',
    xff: '10.0.0.9, 10.0.0.2',
    expected: { ip: '10.0.0.9', via: ['10.0.0.1', '10.0.0.2'] },
  },
  { name: 'port on an IPv4 entry is stripped', peer: '10.0.0.1', xff: '198.51.100.1:51234', expected: { ip: '198.51.100.1', via: ['10.0.0.1'] } },
  { name: 'bracketed IPv6 entry with port', peer: '10.0.0.1', xff: '[2001:db8::1]:443', expected: { ip: '2001:db8::1', via: ['10.0.0.1'] } },
  { name: 'bracketed IPv6 entry without port', peer: '10.0.0.1', xff: '[2001:db8::1]', expected: { ip: '2001:db8::1', via: ['10.0.0.1'] } },
  { name: 'bare IPv6 entry', peer: '10.0.0.1', xff: '2001:db8::1', expected: { ip: '2001:db8::1', via: ['10.0.0.1'] } },
  { name: 'IPv4-mapped IPv6 entry is normalised', peer: '10.0.0.1', xff: '::ffff:198.51.100.1', expected: { ip: '198.51.100.1', via: ['10.0.0.1'] } },
  { name: 'trusted IPv6 proxy', peer: 'fd00::1', xff: '198.51.100.1', expected: { ip: '198.51.100.1', via: ['fd00::1'] } },
  { name: 'extra whitespace and empty entries are skipped', peer: '10.0.0.1', xff: '  ,198.51.100.1 ,,  10.0.0.2 ,', expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2'] } },
  {
    name: 'garbage rightmost entry: stop at the trusted peer, flag malformed',
    peer: '10.0.0.1',
    xff: '198.51.100.1, unknown',
    expected: { ip: '10.0.0.1', via: [], malformed: 'unknown' },
  },
  {
    name: 'garbage entry behind a trusted hop: stop at that hop',
    peer: '10.0.0.1',
    xff: 'evil, 10.0.0.2',
    expected: { ip: '10.0.0.2', via: ['10.0.0.1'], malformed: 'evil' },
  },
  {
    name: 'garbage left of an untrusted client is never looked at',
    peer: '10.0.0.1',
    xff: '<script>, 198.51.100.1',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1'] },
  },
  { name: 'short numeric form is garbage, not 0.0.0.10', peer: '10.0.0.1', xff: '10', expected: { ip: '10.0.0.1', via: [], malformed: '10' } },
  { name: 'RFC 7239 obfuscated identifier is garbage', peer: '10.0.0.1', xff: '_hidden', expected: { ip: '10.0.0.1', via: [], malformed: '_hidden' } },
  {
    name: 'malformed detail is cut to 64 characters',
    peer: '10.0.0.1',
    xff: 'x'.repeat(200),
    expected: { ip: '10.0.0.1', via: [], malformed: 'x'.repeat(64) },
  },
  {
    name: 'several XFF headers (array) are read as one list, last header rightmost',
    peer: '10.0.0.1',
    xff: ['6.6.6.6', '198.51.100.1, 10.0.0.2'],
    expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2'] },
  },
  {
    name: 'several XFF headers: spoofed first header not believed',
    peer: '10.0.0.1',
    xff: ['6.6.6.6, 7.7.7.7', '198.51.100.1'],
    expected: { ip: '198.51.100.1', via: ['10.0.0.1'] },
  },
  {
    name: 'several XFF headers as Node joins them',
    peer: '10.0.0.1',
    xff: '6.6.6.6, 198.51.100.1, 10.0.0.2',
    expected: { ip: '198.51.100.1', via: ['10.0.0.1', '10.0.0.2'] },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const trusted = compileCidrs(c.trusted ?? TRUSTED);
    t.same(resolveClientIp(c.peer, c.xff, trusted), c.expected);
  });
}

t.test('hop limit: at most 20 entries are walked', async (t) => {
  const trusted = compileCidrs(TRUSTED);
  const chain = Array.from({ length: 30 }, (_, i) => `10.0.1.${i}`);
  const result = resolveClientIp('10.0.0.1', ['198.51.100.1', ...chain].join(', '), trusted);
  t.equal(result.via.length, 20);
  // Stops inside the trusted chain: the 20th entry from the right.
  t.equal(result.ip, chain[chain.length - 20]);
  t.not(result.ip, '198.51.100.1');
});

t.test('hop limit: a client 20 hops away is still found', async (t) => {
  const trusted = compileCidrs(TRUSTED);
  const chain = Array.from({ length: 19 }, (_, i) => `10.0.1.${i}`);
  const result = resolveClientIp('10.0.0.1', ['198.51.100.1', ...chain].join(','), trusted);
  t.equal(result.ip, '198.51.100.1');
  t.equal(result.via.length, 20);
});

t.test('a huge XFF header is walked quickly', async (t) => {
  const trusted = compileCidrs(TRUSTED);
  const huge = Array.from({ length: 50_000 }, () => '10.0.0.7').join(',');
  const started = performance.now();
  const result = resolveClientIp('10.0.0.1', huge, trusted);
  t.ok(performance.now() - started < 500);
  t.equal(result.ip, '10.0.0.7');
});

const validAddress = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4().map((a) => `::ffff:${a}`),
  fc.constantFrom('10.0.0.1', '10.255.0.3', 'fd00::7', '::ffff:10.1.1.1'),
);
const xffEntry = fc.oneof(
  validAddress,
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([a, port]) => `${a}:${port}`),
  fc.ipV6().map((a) => `[${a}]:443`),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', 'unknown', '_hidden', '[', ']', '[::1', '::1]', ':', '1.2.3.4:', '%', 'fe80::1%eth0'),
);

t.test('property: resolveClientIp never throws and returns a valid address', async (t) => {
  const trusted = compileCidrs(TRUSTED);
  fc.assert(
    fc.property(
      validAddress,
      fc.oneof(fc.constant(undefined), fc.array(xffEntry, { maxLength: 40 }).map((e) => e.join(',')), fc.array(fc.array(xffEntry, { maxLength: 5 }).map((e) => e.join(', ')), { maxLength: 4 })),
      (peer, xff) => {
        const result = resolveClientIp(peer, xff, trusted);
        if (normaliseAddress(result.ip) !== result.ip) throw new Error(`not a canonical address: ${result.ip}`);
        for (const hop of result.via) if (!trusted.contains(hop)) throw new Error(`untrusted hop in via: ${hop}`);
        if (!trusted.contains(normaliseAddress(peer) as string) && result.ip !== normaliseAddress(peer)) throw new Error('XFF believed from an untrusted peer');
      },
    ),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});
