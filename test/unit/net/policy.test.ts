import t from 'tap';
import { compileNetworkPolicy } from '../../../src/net/policy.ts';

interface Case {
  name: string;
  network: { trustedProxies?: string[]; allow: string[]; deny: string[] };
  ip: string;
  expected: 'ip-denied' | 'ip-not-allowed' | undefined;
}

const ANY = ['0.0.0.0/0', '::/0'];
const cases: Case[] = [
  { name: 'default allow-all lets IPv4 in', network: { allow: ANY, deny: [] }, ip: '198.51.100.1', expected: undefined },
  { name: 'default allow-all lets IPv6 in', network: { allow: ANY, deny: [] }, ip: '2001:db8::1', expected: undefined },
  { name: 'default allow-all lets IPv4-mapped in', network: { allow: ANY, deny: [] }, ip: '::ffff:198.51.100.1', expected: undefined },
  { name: 'deny wins over allow', network: { allow: ANY, deny: ['198.51.100.0/24'] }, ip: '198.51.100.1', expected: 'ip-denied' },
  { name: 'deny before allow even when allow is narrower', network: { allow: ['198.51.100.1'], deny: ['198.51.100.0/24'] }, ip: '198.51.100.1', expected: 'ip-denied' },
  { name: 'deny matches IPv4-mapped client', network: { allow: ANY, deny: ['10.0.0.0/8'] }, ip: '::ffff:10.1.2.3', expected: 'ip-denied' },
  { name: 'deny a single IPv6 address', network: { allow: ANY, deny: ['2001:db8::66'] }, ip: '2001:db8::66', expected: 'ip-denied' },
  { name: 'not in allow', network: { allow: ['10.0.0.0/8'], deny: [] }, ip: '198.51.100.1', expected: 'ip-not-allowed' },
  { name: 'in allow', network: { allow: ['10.0.0.0/8'], deny: [] }, ip: '10.4.4.4', expected: undefined },
  { name: 'IPv4 allow list refuses IPv6 client', network: { allow: ['0.0.0.0/0'], deny: [] }, ip: '2001:db8::1', expected: 'ip-not-allowed' },
  { name: 'empty allow list refuses everyone', network: { allow: [], deny: [] }, ip: '10.0.0.1', expected: 'ip-not-allowed' },
  { name: 'deny matches a NAT64 client by its embedded IPv4 address', network: { allow: ANY, deny: ['10.0.0.0/8'] }, ip: '64:ff9b::a00:1', expected: 'ip-denied' },
  { name: 'deny matches a 6to4 client by its embedded IPv4 address', network: { allow: ANY, deny: ['10.0.0.0/8'] }, ip: '2002:a00:1::1', expected: 'ip-denied' },
  { name: 'deny of the IPv6 form refuses a NAT64 client whose IPv4 form is allowed', network: { allow: ['10.0.0.0/8', '::/0'], deny: ['64:ff9b::/96'] }, ip: '64:ff9b::a00:1', expected: 'ip-denied' },
  { name: 'an IPv4 allow list admits a NAT64 client by its embedded address', network: { allow: ['10.0.0.0/8'], deny: [] }, ip: '64:ff9b::a00:1', expected: undefined },
  { name: 'an IPv4 allow list refuses a NAT64 client embedding another address', network: { allow: ['10.0.0.0/8'], deny: [] }, ip: '64:ff9b::b00:1', expected: 'ip-not-allowed' },
  { name: 'deny wins when the embedded address is denied and the IPv6 form allowed', network: { allow: ['2002::/16'], deny: ['192.0.2.0/24'] }, ip: '2002:c000:201::1', expected: 'ip-denied' },
  { name: 'garbage address refused', network: { allow: ANY, deny: [] }, ip: 'garbage', expected: 'ip-not-allowed' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const policy = compileNetworkPolicy({ trustedProxies: c.network.trustedProxies ?? [], allow: c.network.allow, deny: c.network.deny });
    t.equal(policy.refuse(c.ip), c.expected);
  });
}

t.test('trusted proxies match their exact address only, never an embedding', async (t) => {
  const policy = compileNetworkPolicy({ trustedProxies: ['10.0.0.0/8'], allow: ANY, deny: [] });
  t.equal(policy.trusted.contains('64:ff9b::a00:1'), false);
  t.equal(policy.trusted.contains('2002:a00:1::1'), false);
  t.equal(policy.trusted.contains('::ffff:10.0.0.1'), true);
});

t.test('trusted proxies are compiled into the policy', async (t) => {
  const policy = compileNetworkPolicy({ trustedProxies: ['10.0.0.0/8'], allow: ANY, deny: [] });
  t.equal(policy.trusted.contains('10.9.9.9'), true);
  t.equal(policy.trusted.contains('11.0.0.1'), false);
  t.equal(policy.trusted.size, 1);
});
