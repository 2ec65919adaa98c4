import t from 'tap';
import type { Identity } from '../../../src/core/identity.ts';
import { compileRules, type Decision, type RequestFacts, type RuleInput } from '../../../src/policy/rules.ts';
import { checkTarget } from '../../../src/policy/paths.ts';

/** The match path alone, or why the target was refused. */
function normalisePath(target: string, caseSensitive = true): { ok: true; path: string } | { ok: false; reason: string } {
  const checked = checkTarget(target, caseSensitive);
  return checked.ok ? { ok: true, path: checked.path } : checked;
}

function rule(partial: Partial<RuleInput> & Pick<RuleInput, 'name' | 'action'>): RuleInput {
  return { paths: [], methods: [], websocket: 'any', roles: [], groups: [], users: [], sources: [], ...partial };
}
function user(partial: Partial<Identity> = {}): Identity {
  return { provider: 'local', uniqueId: 'u-1', username: 'alice', groups: [], role: 'viewer', authTime: 1, refreshedAt: 1, ...partial };
}
function facts(partial: Partial<RequestFacts> = {}): RequestFacts {
  return { path: '/', method: 'GET', websocket: false, clientIp: '198.51.100.7', identity: user(), ...partial };
}

const lockdown: RuleInput[] = [
  rule({ name: 'health-public', paths: ['/__health'], methods: ['GET'], action: 'public' }),
  rule({ name: 'static-public', paths: ['/static/**'], action: 'public' }),
  rule({ name: 'no-terminal-for-viewers', paths: ['/terminal/**', '/p/*/terminal/**'], roles: ['viewer'], action: 'deny' }),
  rule({ name: 'no-terminal-ws-for-contractors', paths: ['/p/*/terminal/**'], websocket: 'only', groups: ['Contractors'], action: 'deny' }),
  rule({ name: 'upload-only-from-office', paths: ['/upload'], methods: ['post', 'PUT'], sources: ['10.0.0.0/8', '2001:db8::/32'], action: 'allow' }),
  rule({ name: 'no-upload', paths: ['/upload'], methods: ['POST', 'PUT'], action: 'deny' }),
  rule({ name: 'bob-may-export', paths: ['/export/**'], users: ['Bob'], action: 'allow' }),
  rule({ name: 'no-export', paths: ['/export/**'], action: 'deny' }),
  rule({ name: 'admin-console', paths: ['/admin/**'], roles: ['administrator'], groups: ['ops'], users: ['carol'], action: 'allow' }),
  rule({ name: 'no-admin', paths: ['/admin/**'], action: 'deny' }),
  rule({ name: 'ws-never-here', paths: ['/rpc/**'], websocket: 'never', action: 'deny' }),
];

interface Case {
  name: string;
  rules?: RuleInput[];
  defaultAction?: 'allow' | 'deny';
  caseSensitive?: boolean;
  facts: Partial<RequestFacts>;
  expected: Decision;
}

const cases: Case[] = [
  { name: 'no rule matches: default allow', facts: { path: '/home' }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'no rule matches, defaultAction deny', defaultAction: 'deny', facts: { path: '/home' }, expected: { allow: false, reasons: ['default-deny'] } },
  { name: 'no rule matches, no identity: unauthenticated', facts: { path: '/home', identity: undefined }, expected: { allow: false, reasons: ['unauthenticated'] } },
  { name: 'no rules at all, no identity: unauthenticated', rules: [], defaultAction: 'allow', facts: { identity: undefined }, expected: { allow: false, reasons: ['unauthenticated'] } },
  { name: 'public rule needs no identity', facts: { path: '/__health', identity: undefined }, expected: { allow: true, public: true, reasons: ['rule-public'], rule: 'health-public' } },
  { name: 'public rule with identity is still public', facts: { path: '/static/app.js' }, expected: { allow: true, public: true, reasons: ['rule-public'], rule: 'static-public' } },
  { name: 'public rule limited by method', facts: { path: '/__health', method: 'POST', identity: undefined }, expected: { allow: false, reasons: ['unauthenticated'] } },
  { name: 'viewer denied the terminal', facts: { path: '/terminal/1' }, expected: { allow: false, reasons: ['path-denied-for-role'], rule: 'no-terminal-for-viewers' } },
  { name: 'viewer denied the terminal at the prefix itself', facts: { path: '/terminal' }, expected: { allow: false, reasons: ['path-denied-for-role'], rule: 'no-terminal-for-viewers' } },
  { name: 'viewer denied the session terminal', facts: { path: '/p/abc/terminal/ws' }, expected: { allow: false, reasons: ['path-denied-for-role'], rule: 'no-terminal-for-viewers' } },
  { name: 'publisher may use the terminal', facts: { path: '/terminal/1', identity: user({ role: 'publisher' }) }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: '/terminals is not /terminal', facts: { path: '/terminals' }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'role rule without identity: unauthenticated, not a denial', facts: { path: '/terminal/1', identity: undefined }, expected: { allow: false, reasons: ['unauthenticated'] } },
  {
    name: 'group match is case-insensitive; websocket only',
    facts: { path: '/p/abc/terminal/ws', websocket: true, identity: user({ role: 'publisher', groups: ['contractors'] }) },
    expected: { allow: false, reasons: ['path-denied'], rule: 'no-terminal-ws-for-contractors' },
  },
  {
    name: 'websocket-only rule does not match plain HTTP',
    facts: { path: '/p/abc/terminal/ws', websocket: false, identity: user({ role: 'publisher', groups: ['Contractors'] }) },
    expected: { allow: true, reasons: ['default-allow'] },
  },
  { name: 'websocket never: plain HTTP denied', facts: { path: '/rpc/x' }, expected: { allow: false, reasons: ['path-denied'], rule: 'ws-never-here' } },
  { name: 'websocket never: WebSocket passes', facts: { path: '/rpc/x', websocket: true }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'method and source match: allowed (rule method lower-case)', facts: { path: '/upload', method: 'POST', clientIp: '10.1.2.3' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'upload-only-from-office' } },
  { name: 'source matches IPv6', facts: { path: '/upload', method: 'PUT', clientIp: '2001:db8::5' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'upload-only-from-office' } },
  { name: 'source matches IPv4-mapped', facts: { path: '/upload', method: 'PUT', clientIp: '::ffff:10.1.2.3' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'upload-only-from-office' } },
  { name: 'source does not match: next rule denies', facts: { path: '/upload', method: 'POST', clientIp: '198.51.100.7' }, expected: { allow: false, reasons: ['path-denied'], rule: 'no-upload' } },
  { name: 'method does not match: no upload rule applies', facts: { path: '/upload', method: 'GET' }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'users match case-insensitively: first match (allow) wins', facts: { path: '/export/a.csv', identity: user({ username: 'bob' }) }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'bob-may-export' } },
  { name: 'other user falls through to the deny', facts: { path: '/export/a.csv' }, expected: { allow: false, reasons: ['path-denied'], rule: 'no-export' } },
  { name: 'admin console by role', facts: { path: '/admin/x', identity: user({ role: 'administrator' }) }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'admin-console' } },
  { name: 'admin console by group', facts: { path: '/admin/x', identity: user({ groups: ['staff', 'OPS'] }) }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'admin-console' } },
  { name: 'admin console by user', facts: { path: '/admin/x', identity: user({ username: 'Carol' }) }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'admin-console' } },
  { name: 'admin console: none of role, group, user', facts: { path: '/admin/x' }, expected: { allow: false, reasons: ['path-denied'], rule: 'no-admin' } },
  {
    name: 'first match wins even when a later rule allows',
    rules: [rule({ name: 'deny-all', action: 'deny' }), rule({ name: 'allow-all', action: 'allow' })],
    facts: {},
    expected: { allow: false, reasons: ['path-denied'], rule: 'deny-all' },
  },
  {
    name: 'an empty rule matches everything',
    rules: [rule({ name: 'allow-all', action: 'allow' })],
    defaultAction: 'deny',
    facts: { path: '/anything', method: 'DELETE' },
    expected: { allow: true, reasons: ['rule-allowed'], rule: 'allow-all' },
  },
  {
    name: 'allow rule without identity: unauthenticated',
    rules: [rule({ name: 'allow-all', action: 'allow' })],
    facts: { identity: undefined },
    expected: { allow: false, reasons: ['unauthenticated'] },
  },
  {
    name: 'case-insensitive rule paths',
    rules: [rule({ name: 'no-terminal', paths: ['/Terminal/**'], action: 'deny' })],
    caseSensitive: false,
    facts: { path: '/terminal/x' },
    expected: { allow: false, reasons: ['path-denied'], rule: 'no-terminal' },
  },
  {
    name: 'case-sensitive rule paths',
    rules: [rule({ name: 'no-terminal', paths: ['/Terminal/**'], action: 'deny' })],
    caseSensitive: true,
    facts: { path: '/terminal/x' },
    expected: { allow: true, reasons: ['default-allow'] },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const set = compileRules(c.rules ?? lockdown, c.defaultAction ?? 'allow', c.caseSensitive ?? true);
    t.same(set.decide(facts(c.facts)), c.expected);
  });
}

// The pipeline checks the target first (dot segments and `;` are refused there); every accepted spelling still hits the rule.
const bypasses = ['/terminal/1', '/%74erminal/1', '//terminal/1', '/p/abc/terminal/%77s', '/p/abc//terminal', '/p/abc/%74erminal/'];
for (const target of bypasses) {
  t.test(`viewer cannot reach the terminal through ${target}`, async (t) => {
    const set = compileRules(lockdown, 'allow', true);
    const normalised = normalisePath(target, true);
    if (!normalised.ok) throw new Error(normalised.reason);
    t.same(set.decide(facts({ path: normalised.path })).reasons, ['path-denied-for-role']);
  });
}
t.test('case-insensitive deployment: /TERMINAL is denied too', async (t) => {
  const set = compileRules(lockdown, 'allow', false);
  const normalised = normalisePath('/TeRmInAl/1', false);
  if (!normalised.ok) throw new Error(normalised.reason);
  t.same(set.decide(facts({ path: normalised.path })).rule, 'no-terminal-for-viewers');
});

t.test('groups the rules refer to, lower-cased', async (t) => {
  t.same([...compileRules(lockdown, 'allow', true).groups].sort(), ['contractors', 'ops']);
});

// A rule listing GET also covers HEAD: upstreams answer HEAD with their GET handler.
const methodCases: Array<{ name: string; rules: RuleInput[]; method: string; expected: Decision }> = [
  { name: 'GET deny rule also denies HEAD', rules: [rule({ name: 'no-get', paths: ['/secret'], methods: ['GET'], action: 'deny' })], method: 'HEAD', expected: { allow: false, reasons: ['path-denied'], rule: 'no-get' } },
  { name: 'lower-case get deny rule also denies HEAD', rules: [rule({ name: 'no-get', paths: ['/secret'], methods: ['get'], action: 'deny' })], method: 'HEAD', expected: { allow: false, reasons: ['path-denied'], rule: 'no-get' } },
  { name: 'GET deny rule still denies GET', rules: [rule({ name: 'no-get', paths: ['/secret'], methods: ['GET'], action: 'deny' })], method: 'GET', expected: { allow: false, reasons: ['path-denied'], rule: 'no-get' } },
  { name: 'GET deny rule does not deny POST', rules: [rule({ name: 'no-get', paths: ['/secret'], methods: ['GET'], action: 'deny' })], method: 'POST', expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'HEAD-only rule does not cover GET', rules: [rule({ name: 'no-head', paths: ['/secret'], methods: ['HEAD'], action: 'deny' })], method: 'GET', expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'GET public rule is public for HEAD too', rules: [rule({ name: 'health', paths: ['/secret'], methods: ['GET'], action: 'public' })], method: 'HEAD', expected: { allow: true, public: true, reasons: ['rule-public'], rule: 'health' } },
];
for (const c of methodCases) {
  t.test(c.name, async (t) => {
    t.same(compileRules(c.rules, 'allow', true).decide(facts({ path: '/secret', method: c.method })), c.expected);
  });
}

// The API-key principal: a request with an API key and no session. It has no user, role or groups.
const keyRules: RuleInput[] = [
  rule({ name: 'no-admin-api', paths: ['/__api__/v1/admin/**'], action: 'deny' }),
  rule({ name: 'viewers-read-only', paths: ['/__api__/**'], methods: ['POST', 'PUT', 'PATCH', 'DELETE'], roles: ['viewer'], action: 'deny' }),
  rule({ name: 'publishers-deploy', paths: ['/__api__/v1/deploy/**'], roles: ['publisher'], groups: ['deployers'], users: ['ci'], action: 'allow' }),
  rule({ name: 'office-only', paths: ['/__api__/v1/office/**'], sources: ['10.0.0.0/8'], apiKeys: true, action: 'allow' }),
  rule({ name: 'no-api-websocket', paths: ['/__api__/**'], websocket: 'only', action: 'deny' }),
  rule({ name: 'api-keys', paths: ['/__api__/**'], apiKeys: true, action: 'allow' }),
  rule({ name: 'static', paths: ['/static/**'], action: 'allow' }),
  rule({ name: 'key-only-report', paths: ['/report'], apiKeys: true, action: 'allow' }),
  rule({ name: 'keys-not-here', paths: ['/content/private/**'], apiKeys: true, action: 'deny' }),
  rule({ name: 'health', paths: ['/health'], action: 'public' }),
];
const key = { identity: undefined, apiKey: true };
const keyCases: Array<{ name: string; rules?: RuleInput[]; defaultAction?: 'allow' | 'deny'; facts: Partial<RequestFacts>; expected: Decision }> = [
  { name: 'explicit admitting rule allows the key', facts: { ...key, path: '/__api__/v1/content', method: 'POST' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'api-keys', principal: 'api-key' } },
  { name: 'deny rule before the admitting rule wins', facts: { ...key, path: '/__api__/v1/admin/users' }, expected: { allow: false, reasons: ['path-denied'], rule: 'no-admin-api', principal: 'api-key' } },
  { name: 'role deny rule never matches a key (falls through to api-keys)', facts: { ...key, path: '/__api__/v1/content', method: 'DELETE' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'api-keys', principal: 'api-key' } },
  { name: 'role/group/user allow rule never matches a key', rules: [keyRules[2] as RuleInput], facts: { ...key, path: '/__api__/v1/deploy/x' }, expected: { allow: false, reasons: ['unauthenticated'], principal: 'api-key' } },
  { name: 'sources rule applies: key from the office allowed', facts: { ...key, path: '/__api__/v1/office/x', clientIp: '10.2.3.4' }, expected: { allow: true, reasons: ['rule-allowed'], rule: 'office-only', principal: 'api-key' } },
  {
    name: 'sources rule applies: key from elsewhere not admitted by it',
    rules: [rule({ name: 'office-only', paths: ['/__api__/**'], sources: ['10.0.0.0/8'], apiKeys: true, action: 'allow' })],
    facts: { ...key, path: '/__api__/v1/office/x', clientIp: '198.51.100.7' },
    expected: { allow: false, reasons: ['unauthenticated'], principal: 'api-key' },
  },
  {
    name: 'sources deny rule applies to keys as to anyone',
    rules: [rule({ name: 'no-outsiders', sources: ['0.0.0.0/0'], action: 'deny' }), rule({ name: 'api-keys', apiKeys: true, action: 'allow' })],
    facts: { ...key, path: '/__api__/x' },
    expected: { allow: false, reasons: ['path-denied'], rule: 'no-outsiders', principal: 'api-key' },
  },
  { name: 'websocket condition applies to keys', facts: { ...key, path: '/__api__/v1/x', websocket: true }, expected: { allow: false, reasons: ['path-denied'], rule: 'no-api-websocket', principal: 'api-key' } },
  { name: 'allow rule without apiKeys matching first refuses the key (401)', facts: { ...key, path: '/static/app.js' }, expected: { allow: false, reasons: ['unauthenticated'], rule: 'static', principal: 'api-key' } },
  { name: 'deny rule with apiKeys denies keys', facts: { ...key, path: '/content/private/x' }, expected: { allow: false, reasons: ['path-denied'], rule: 'keys-not-here', principal: 'api-key' } },
  { name: 'public rule is public for a key too', facts: { ...key, path: '/health' }, expected: { allow: true, public: true, reasons: ['rule-public'], rule: 'health', principal: 'api-key' } },
  { name: 'no rule matches: refused like anonymous (default allow)', facts: { ...key, path: '/home' }, expected: { allow: false, reasons: ['unauthenticated'], principal: 'api-key' } },
  { name: 'no rule matches: refused like anonymous (default deny)', defaultAction: 'deny', facts: { ...key, path: '/home' }, expected: { allow: false, reasons: ['unauthenticated'], principal: 'api-key' } },
  { name: 'no rules at all: refused', rules: [], facts: key, expected: { allow: false, reasons: ['unauthenticated'], principal: 'api-key' } },
  { name: 'empty allow rule without apiKeys does not admit keys', rules: [rule({ name: 'all', action: 'allow' })], facts: key, expected: { allow: false, reasons: ['unauthenticated'], rule: 'all', principal: 'api-key' } },
  {
    name: 'role deny rule with apiKeys: the key matches through apiKeys (path-denied, not for-role)',
    rules: [rule({ name: 'viewers-and-keys-out', roles: ['viewer'], apiKeys: true, action: 'deny' })],
    facts: key,
    expected: { allow: false, reasons: ['path-denied'], rule: 'viewers-and-keys-out', principal: 'api-key' },
  },
  // The same rules for users and anonymous requests.
  { name: 'user: a key-only rule does not match a user', facts: { path: '/report' }, expected: { allow: true, reasons: ['default-allow'] } },
  { name: 'user: key-only rule does not match, default deny', defaultAction: 'deny', facts: { path: '/report' }, expected: { allow: false, reasons: ['default-deny'] } },
  { name: 'user with a key header: judged as the user', facts: { path: '/__api__/v1/content', method: 'POST', apiKey: true }, expected: { allow: false, reasons: ['path-denied-for-role'], rule: 'viewers-read-only' } },
  { name: 'anonymous: key-only rule does not admit', facts: { path: '/report', identity: undefined }, expected: { allow: false, reasons: ['unauthenticated'] } },
  { name: 'anonymous: apiKey false is anonymous', facts: { path: '/__api__/x', identity: undefined, apiKey: false }, expected: { allow: false, reasons: ['unauthenticated'] } },
];
for (const c of keyCases) {
  t.test(`API key: ${c.name}`, async (t) => {
    t.same(compileRules(c.rules ?? keyRules, c.defaultAction ?? 'allow', true).decide(facts(c.facts)), c.expected);
  });
}
