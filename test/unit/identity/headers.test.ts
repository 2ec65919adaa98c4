import t from 'tap';
import fc from 'fast-check';
import type { Identity } from '../../../src/core/identity.ts';
import { headerPlan, headerSafe, identityHeaders } from '../../../src/identity/headers.ts';

const alice: Identity = {
  provider: 'corp-ad',
  uniqueId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  username: 'alice',
  email: 'alice@example.com',
  firstName: 'Alice',
  lastName: 'Liddell',
  groups: ['staff', 'R Users'],
  role: 'publisher',
  authTime: 1,
  refreshedAt: 1,
};

const safeCases: Array<[string, string, string]> = [
  ['plain ASCII unchanged', 'alice', 'alice'],
  ['spaces and punctuation unchanged', 'Alice Liddell <a@b.c>', 'Alice Liddell <a@b.c>'],
  ['percent always encoded (injective: Zo%C3%AB is not Zoë)', '100%', '100%25'],
  ['a literal escape sequence is encoded again', 'Zo%C3%AB', 'Zo%25C3%25AB'],
  ['empty', '', ''],
  ['non-ASCII letters encoded as UTF-8', 'José', 'Jos%C3%A9'],
  ['percent encoded once encoding happens', 'José 100%', 'Jos%C3%A9 100%25'],
  ['CJK', '田中', '%E7%94%B0%E4%B8%AD'],
  ['emoji (astral plane)', 'a😀', 'a%F0%9F%98%80'],
  ['CR LF never reach the header (no injection)', 'alice\r\nX-Auth-Role: administrator', 'alice%0D%0AX-Auth-Role: administrator'],
  ['NUL', 'a\u0000b', 'a%00b'],
  ['tab', 'a\tb', 'a%09b'],
  ['DEL', 'a\u007fb', 'a%7Fb'],
  ['Latin-1 range', 'ÿ', '%C3%BF'],
  ['lone high surrogate: generalised UTF-8, not U+FFFD', 'a\uD800b', 'a%ED%A0%80b'],
  ['lone low surrogate', '\uDFFF', '%ED%BF%BF'],
  ['U+FFFD itself', '\uFFFD', '%EF%BF%BD'],
];
for (const [name, input, expected] of safeCases) {
  t.test(`headerSafe: ${name}`, async (t) => {
    t.equal(headerSafe(input), expected);
  });
}

/** The inverse of headerSafe for well-formed input: percent-decoding as (generalised) UTF-8. */
function decodeHeader(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 3;
    } else bytes.push(value.charCodeAt(i++));
  }
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    const n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    let code = n === 1 ? b : b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) code = (code << 6) | ((bytes[i + k] as number) & 63);
    out += String.fromCodePoint(code);
    i += n;
  }
  return out;
}

const strings = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  // Values that look like escapes: the collisions the old encoding allowed.
  fc.array(fc.constantFrom('%', 'C3', 'AB', 'Zo', 'ë', '2', '5', ',', '\uD800', '\uFFFD', 'a'), { maxLength: 12 }).map((parts) => parts.join('')),
);

t.test('property: headerSafe output is visible ASCII and decodes back to the input', async (t) => {
  fc.assert(
    fc.property(strings, (value) => {
      const out = headerSafe(value);
      if (!/^[\x20-\x7e]*$/.test(out)) throw new Error(`not header-safe: ${JSON.stringify(out)}`);
      if (decodeHeader(out) !== value) throw new Error(`not reversible: ${JSON.stringify(value)} -> ${JSON.stringify(out)}`);
    }),
    { numRuns: 5000 },
  );
  t.pass('no counterexample');
});

t.test('property: headerSafe is injective (distinct inputs, distinct header values)', async (t) => {
  fc.assert(
    fc.property(strings, strings, (a, b) => {
      if (a !== b && headerSafe(a) === headerSafe(b)) throw new Error(`${JSON.stringify(a)} and ${JSON.stringify(b)} both give ${JSON.stringify(headerSafe(a))}`);
    }),
    { numRuns: 5000 },
  );
  t.equal(headerSafe('Zoë') === headerSafe('Zo%C3%AB'), false, 'the reported pair');
});

t.test('property: the groups header is injective in the list of groups', async (t) => {
  const plan = headerPlan('connect', {}, 'X-Authgate-Assertion');
  const groupsOf = (groups: string[], sep: string) => identityHeaders({ ...alice, groups }, { plan, groupsSeparator: sep }).find(([n]) => n === 'X-Auth-Groups')?.[1];
  const group = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.constantFrom('a,b', 'a', 'b', '%2C', ', ', '|', ' '));
  fc.assert(
    fc.property(fc.array(group, { maxLength: 4 }), fc.array(group, { maxLength: 4 }), fc.constantFrom(',', '|', ', ', ';'), (a, b, sep) => {
      if (JSON.stringify(a) !== JSON.stringify(b) && groupsOf(a, sep) === groupsOf(b, sep)) throw new Error(`${JSON.stringify(a)} and ${JSON.stringify(b)} collide with ${JSON.stringify(sep)}`);
    }),
    { numRuns: 3000 },
  );
  t.equal(groupsOf(['staff,admins'], ','), 'staff%2Cadmins', 'a group containing the separator is one group');
  t.equal(groupsOf(['staff', 'admins'], ','), 'staff,admins');
});

const planCases: Array<{ name: string; profile: 'connect' | 'workbench' | 'generic'; overrides: Record<string, string | undefined>; fields: Array<[string, string]> }> = [
  {
    name: 'connect profile',
    profile: 'connect',
    overrides: {},
    fields: [
      ['username', 'X-Auth-Username'], ['email', 'X-Auth-Email'], ['firstName', 'X-Auth-First-Name'], ['lastName', 'X-Auth-Last-Name'],
      ['groups', 'X-Auth-Groups'], ['role', 'X-Auth-Role'], ['uniqueId', 'X-Auth-ID'],
    ],
  },
  { name: 'workbench profile', profile: 'workbench', overrides: {}, fields: [['username', 'X-RStudio-Username']] },
  { name: 'workbench with a custom username header', profile: 'workbench', overrides: { username: 'X-RSP-User' }, fields: [['username', 'X-RSP-User']] },
  { name: 'generic profile sends nothing unless named', profile: 'generic', overrides: {}, fields: [] },
  { name: 'generic profile with names', profile: 'generic', overrides: { username: 'Remote-User', groups: 'Remote-Groups', email: undefined }, fields: [['username', 'Remote-User'], ['groups', 'Remote-Groups']] },
  {
    name: 'connect with one override',
    profile: 'connect',
    overrides: { role: 'X-Connect-Role' },
    fields: [
      ['username', 'X-Auth-Username'], ['email', 'X-Auth-Email'], ['firstName', 'X-Auth-First-Name'], ['lastName', 'X-Auth-Last-Name'],
      ['groups', 'X-Auth-Groups'], ['role', 'X-Connect-Role'], ['uniqueId', 'X-Auth-ID'],
    ],
  },
];
// The names the products read, written from their documentation rather than from headers.ts:
// Posit Connect's proxied authentication (`ProxyAuth.*Header` defaults) and Workbench's
// `auth-proxy` username header.
const EVERY_PROFILE_NAME = [
  'X-Auth-Username', 'X-Auth-Email', 'X-Auth-First-Name', 'X-Auth-Last-Name', 'X-Auth-Groups', 'X-Auth-Role', 'X-Auth-ID',
  'X-RStudio-Username',
];
for (const c of planCases) {
  t.test(`headerPlan: ${c.name}`, async (t) => {
    const plan = headerPlan(c.profile, c.overrides, 'X-Authgate-Assertion');
    t.same(plan.fields, c.fields);
    const strip = new Set(plan.stripNames);
    // Whatever the profile: every profile's names, the chosen names and the assertion (other proxies' headers are a separate, passable list).
    for (const name of [...EVERY_PROFILE_NAME, ...c.fields.map(([, n]) => n), 'X-Authgate-Assertion']) {
      t.ok(strip.has(name), `strips ${name}`);
    }
    t.equal(strip.size, plan.stripNames.length, 'no duplicates');
  });
}

t.test('a custom assertion header name is stripped', async (t) => {
  t.ok(headerPlan('connect', {}, 'X-Signed-Identity').stripNames.includes('X-Signed-Identity'));
});

const headerCases: Array<{ name: string; profile: 'connect' | 'workbench' | 'generic'; overrides?: Record<string, string>; identity: Identity; separator?: string; rewrite?: (u: string) => string; expected: Array<[string, string]> }> = [
  {
    name: 'connect: every field',
    profile: 'connect',
    identity: alice,
    expected: [
      ['X-Auth-Username', 'alice'], ['X-Auth-Email', 'alice@example.com'], ['X-Auth-First-Name', 'Alice'], ['X-Auth-Last-Name', 'Liddell'],
      ['X-Auth-Groups', 'staff,R Users'], ['X-Auth-Role', 'publisher'], ['X-Auth-ID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ],
  },
  {
    name: 'connect: absent fields and empty groups are not sent',
    profile: 'connect',
    identity: { provider: 'local', uniqueId: 'u1', username: 'bob', groups: [], role: 'viewer', authTime: 1, refreshedAt: 1 },
    expected: [['X-Auth-Username', 'bob'], ['X-Auth-Role', 'viewer'], ['X-Auth-ID', 'u1']],
  },
  {
    name: 'connect: non-ASCII values encoded, never dropped',
    profile: 'connect',
    identity: { ...alice, firstName: 'José', lastName: 'Núñez', groups: ['Équipe R', 'ops'] },
    expected: [
      ['X-Auth-Username', 'alice'], ['X-Auth-Email', 'alice@example.com'], ['X-Auth-First-Name', 'Jos%C3%A9'], ['X-Auth-Last-Name', 'N%C3%BA%C3%B1ez'],
      ['X-Auth-Groups', '%C3%89quipe R,ops'], ['X-Auth-Role', 'publisher'], ['X-Auth-ID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ],
  },
  { name: 'groups separator', profile: 'generic', overrides: { groups: 'X-Groups' }, identity: alice, separator: '|', expected: [['X-Groups', 'staff|R Users']] },
  { name: 'workbench: username only', profile: 'workbench', identity: alice, expected: [['X-RStudio-Username', 'alice']] },
  {
    name: 'workbench: username rewrite',
    profile: 'workbench',
    identity: { ...alice, username: 'alice@EXAMPLE.COM' },
    rewrite: (u) => u.replace(/@.*$/, ''),
    expected: [['X-RStudio-Username', 'alice']],
  },
  {
    name: 'workbench: username with CR LF cannot inject a header',
    profile: 'workbench',
    identity: { ...alice, username: 'alice\r\nX-RStudio-Username: root' },
    expected: [['X-RStudio-Username', 'alice%0D%0AX-RStudio-Username: root']],
  },
];
for (const c of headerCases) {
  t.test(`identityHeaders: ${c.name}`, async (t) => {
    const plan = headerPlan(c.profile, c.overrides ?? {}, 'X-Authgate-Assertion');
    t.same(identityHeaders(c.identity, { plan, groupsSeparator: c.separator ?? ',', ...(c.rewrite ? { rewriteUsername: c.rewrite } : {}) }), c.expected);
  });
}
