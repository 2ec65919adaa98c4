import t from 'tap';
import { compileCidrs, embeddedIpv4, normaliseAddress, parseAddress } from '../../../src/net/cidr.ts';

const matchCases: Array<{ name: string; cidrs: string[]; address: string; expected: boolean }> = [
  { name: 'IPv4 inside /8', cidrs: ['10.0.0.0/8'], address: '10.1.2.3', expected: true },
  { name: 'IPv4 outside /8', cidrs: ['10.0.0.0/8'], address: '11.0.0.1', expected: false },
  { name: 'IPv4 first address of /24', cidrs: ['192.168.1.0/24'], address: '192.168.1.0', expected: true },
  { name: 'IPv4 last address of /24', cidrs: ['192.168.1.0/24'], address: '192.168.1.255', expected: true },
  { name: 'IPv4 just past /24', cidrs: ['192.168.1.0/24'], address: '192.168.2.0', expected: false },
  { name: 'IPv4 /32', cidrs: ['203.0.113.7/32'], address: '203.0.113.7', expected: true },
  { name: 'IPv4 /32 neighbour', cidrs: ['203.0.113.7/32'], address: '203.0.113.8', expected: false },
  { name: 'IPv4 /0 matches every IPv4', cidrs: ['0.0.0.0/0'], address: '255.255.255.255', expected: true },
  { name: 'single IPv4 address (no prefix)', cidrs: ['203.0.113.7'], address: '203.0.113.7', expected: true },
  { name: 'single IPv4 address does not match neighbour', cidrs: ['203.0.113.7'], address: '203.0.113.6', expected: false },
  { name: 'IPv4-mapped IPv6 client matches an IPv4 range', cidrs: ['10.0.0.0/8'], address: '::ffff:10.1.2.3', expected: true },
  { name: 'IPv4-mapped IPv6 client (upper case) matches an IPv4 range', cidrs: ['10.0.0.0/8'], address: '::FFFF:10.1.2.3', expected: true },
  { name: 'IPv4-mapped IPv6 client outside the IPv4 range', cidrs: ['10.0.0.0/8'], address: '::ffff:11.1.2.3', expected: false },
  { name: 'IPv4-mapped IPv6 range matches a plain IPv4 client', cidrs: ['::ffff:10.0.0.0/104'], address: '10.9.9.9', expected: true },
  { name: 'IPv4-mapped single address matches its IPv4 form', cidrs: ['::ffff:10.0.0.1'], address: '10.0.0.1', expected: true },
  { name: 'IPv6 inside /32', cidrs: ['2001:db8::/32'], address: '2001:db8:1:2::3', expected: true },
  { name: 'IPv6 outside /32', cidrs: ['2001:db8::/32'], address: '2001:db9::1', expected: false },
  { name: 'IPv6 non-canonical spelling', cidrs: ['2001:db8::/32'], address: '2001:0DB8:0000:0000:0000:0000:0000:0001', expected: true },
  { name: 'IPv6 single address', cidrs: ['::1'], address: '::1', expected: true },
  { name: 'IPv6 single address neighbour', cidrs: ['::1'], address: '::2', expected: false },
  { name: 'IPv6 /0 matches every IPv6', cidrs: ['::/0'], address: 'fe80::1', expected: true },
  { name: 'IPv6 with zone id', cidrs: ['fe80::/10'], address: 'fe80::1%eth0', expected: true },
  { name: 'IPv6 in brackets', cidrs: ['2001:db8::/32'], address: '[2001:db8::1]', expected: true },
  { name: 'IPv4 list does not match IPv6', cidrs: ['0.0.0.0/0'], address: '2001:db8::1', expected: false },
  { name: 'IPv6 list does not match a plain IPv4', cidrs: ['2001:db8::/32'], address: '10.0.0.1', expected: false },
  { name: 'several ranges: second matches', cidrs: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'], address: '192.168.4.4', expected: true },
  { name: 'several ranges: IPv6 matches', cidrs: ['10.0.0.0/8', '2001:db8::/32'], address: '2001:db8::9', expected: true },
  { name: 'empty list matches nothing', cidrs: [], address: '10.0.0.1', expected: false },
  { name: 'garbage address matches nothing', cidrs: ['0.0.0.0/0', '::/0'], address: 'not-an-ip', expected: false },
  { name: 'empty address matches nothing', cidrs: ['0.0.0.0/0', '::/0'], address: '', expected: false },
  { name: 'short IPv4 form is not an address (not 0.0.0.10)', cidrs: ['0.0.0.0/8'], address: '10', expected: false },
  { name: 'octal IPv4 form is not an address', cidrs: ['10.0.0.0/8'], address: '012.1.2.3', expected: false },
  { name: 'hex IPv4 form is not an address', cidrs: ['127.0.0.0/8'], address: '0x7f000001', expected: false },
  { name: 'surrounding whitespace is ignored', cidrs: ['10.0.0.0/8'], address: ' 10.0.0.1 ', expected: true },
  // NAT64 (RFC 6052 well-known prefix 64:ff9b::/96) and 6to4 (RFC 3056, 2002:AABB:CCDD::/48) embed an IPv4 address.
  { name: 'NAT64 client matches the IPv4 range of its embedded address', cidrs: ['10.0.0.0/8'], address: '64:ff9b::a00:1', expected: true },
  { name: 'NAT64 client written with a dotted quad', cidrs: ['10.0.0.0/8'], address: '64:ff9b::10.0.0.1', expected: true },
  { name: 'NAT64 client, upper case and zeros spelt out', cidrs: ['10.0.0.0/8'], address: '0064:FF9B:0000:0000:0000:0000:0A00:0001', expected: true },
  { name: 'NAT64 client outside the IPv4 range', cidrs: ['10.0.0.0/8'], address: '64:ff9b::b00:1', expected: false },
  { name: 'NAT64 client matches a single IPv4 address', cidrs: ['192.0.2.33'], address: '64:ff9b::c000:221', expected: true },
  { name: 'NAT64 client still matches its IPv6 form', cidrs: ['64:ff9b::/96'], address: '64:ff9b::808:808', expected: true },
  { name: 'an address near the NAT64 prefix (64:ff9b:1::/48, not the /96) embeds nothing', cidrs: ['10.0.0.0/8'], address: '64:ff9b:1::a00:1', expected: false },
  { name: '6to4 client matches the IPv4 range of its embedded address', cidrs: ['10.0.0.0/8'], address: '2002:a00:1::1', expected: true },
  { name: '6to4 client with a subnet and interface id', cidrs: ['192.168.0.0/16'], address: '2002:c0a8:101:5::9', expected: true },
  { name: '6to4 client outside the IPv4 range', cidrs: ['10.0.0.0/8'], address: '2002:b00:1::1', expected: false },
  { name: 'an ordinary IPv6 address embeds nothing', cidrs: ['0.0.0.0/0'], address: '2001:db8:a00:1::1', expected: false },
];

for (const c of matchCases) {
  t.test(c.name, async (t) => {
    const list = compileCidrs(c.cidrs);
    t.equal(list.contains(c.address), c.expected);
    // The answer is cached; asking twice gives the same answer.
    t.equal(list.contains(c.address), c.expected);
  });
}

t.test('a list compiled with embeddedIpv4: false matches NAT64 and 6to4 addresses only in their IPv6 form', async (t) => {
  const exact = compileCidrs(['10.0.0.0/8', '64:ff9b::a00:2'], { embeddedIpv4: false });
  t.equal(exact.contains('64:ff9b::a00:1'), false);
  t.equal(exact.contains('2002:a00:1::1'), false);
  t.equal(exact.contains('64:ff9b::a00:2'), true);
  t.equal(exact.contains('::ffff:10.0.0.1'), true, 'IPv4-mapped stays IPv4');
});

t.test('embeddedIpv4 extracts NAT64 and 6to4 addresses only', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['64:ff9b::a00:1', '10.0.0.1'],
    ['64:ff9b::ffff:ffff', '255.255.255.255'],
    ['2002:cb00:7107::1', '203.0.113.7'],
    ['2002::', '0.0.0.0'],
    ['64:ff9b:0:0:1::a00:1', undefined],
    ['2003:a00:1::1', undefined],
    ['2001:db8::1', undefined],
    ['10.0.0.1', undefined],
  ];
  for (const [text, expected] of cases) t.equal(embeddedIpv4(parseAddress(text)!)?.toString(), expected, text);
});

t.test('size counts IPv4 and IPv6 ranges', async (t) => {
  t.equal(compileCidrs(['10.0.0.0/8', '::/0', '1.2.3.4']).size, 3);
  t.equal(compileCidrs([]).size, 0);
});

t.test('garbage CIDRs throw TypeError at compile time', async (t) => {
  for (const bad of ['nope', '10.0.0.0/33', '10.0.0.0/x', '', '10/8', '012.0.0.0/8', '::1/129']) {
    t.throws(() => compileCidrs([bad]), TypeError, bad);
  }
});

t.test('many lookups stay correct after the cache is cleared', async (t) => {
  const list = compileCidrs(['10.0.0.0/8']);
  for (let i = 0; i < 10_100; i++) list.contains(`11.0.${(i >> 8) & 255}.${i & 255}`);
  t.equal(list.contains('10.0.0.1'), true);
  t.equal(list.contains('11.0.0.1'), false);
});

const normaliseCases: Array<[string, string | undefined]> = [
  ['10.0.0.1', '10.0.0.1'],
  ['::ffff:10.0.0.1', '10.0.0.1'],
  ['::ffff:0a00:0001', '10.0.0.1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['[::1]', '::1'],
  ['fe80::1%eth0', 'fe80::1'],
  ['::1', '::1'],
  [' 192.0.2.1 ', '192.0.2.1'],
  ['', undefined],
  ['unknown', undefined],
  ['1.2.3', undefined],
  ['10', undefined],
  ['256.1.1.1', undefined],
  ['1.2.3.4:80', undefined],
  ['_hidden', undefined],
];
for (const [text, expected] of normaliseCases) {
  t.test(`normaliseAddress(${JSON.stringify(text)})`, async (t) => {
    t.equal(normaliseAddress(text), expected);
    t.equal(parseAddress(text)?.toString(), expected);
  });
}
