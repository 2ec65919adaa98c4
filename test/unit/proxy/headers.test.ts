import t from 'tap';
import { canonicalHeaderName, connectionTokens, HeaderNames, identityStripper, outgoingHeaders, responseHeaders } from '../../../src/proxy/headers.ts';
import { ALWAYS_STRIPPED, headerPlan, STRIPPED_PREFIXES, THIRD_PARTY_PREFIXES } from '../../../src/identity/headers.ts';

const plan = headerPlan('connect', {}, 'X-Authgate-Assertion');
const stripper = identityStripper(plan.stripNames, STRIPPED_PREFIXES, { thirdParty: ALWAYS_STRIPPED, thirdPartyPrefixes: THIRD_PARTY_PREFIXES });
const names = new HeaderNames(stripper);
const ADDED: Array<[string, string]> = [
  ['X-Auth-Username', 'alice'],
  ['X-Authgate-Assertion', 'eyJ.signed'],
  ['X-Forwarded-For', '198.51.100.7'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Host', 'rstudio.example.com'],
];

const canonicalCases: Array<[string, string]> = [
  ['X-Auth-Username', 'x-auth-username'],
  ['X_AUTH_USERNAME', 'x-auth-username'],
  ['x_auth-Username', 'x-auth-username'],
  ['  X-Auth-Username\t', 'x-auth-username'],
];
for (const [name, expected] of canonicalCases) {
  t.test(`canonicalHeaderName(${JSON.stringify(name)})`, async (t) => {
    t.equal(canonicalHeaderName(name), expected);
  });
}

// Every spelling of an identity header is stripped.
const spellings = [
  'X-Auth-Username', 'x-auth-username', 'X-AUTH-USERNAME', 'x-AuTh-UsErNaMe', 'X_Auth_Username', 'x_auth_username', 'X_AUTH-USERNAME', 'X-Auth_Username',
  ' X-Auth-Username', 'X-Auth-Username ', '\tX-Auth-Username',
  'X-Auth-Email', 'X-Auth-Groups', 'X-Auth-Role', 'X-Auth-ID', 'X-Auth-First-Name', 'X_Auth_Last_Name', 'X-Auth-Token-Anything', 'X-Auth-Whatever',
  'X-RStudio-Username', 'x_rstudio_username', 'X-RSTUDIO-USER', 'X-Authgate-Assertion', 'x_authgate_assertion', 'X-Authgate-Anything',
  'Remote-User', 'remote_user', 'REMOTE-USER', 'Remote-Email', 'Remote-Groups', 'Remote-Name', 'X-Remote-User', 'X_Remote_User', 'X-Remote-Email', 'X-Remote-Groups',
  'X-Forwarded-User', 'x_forwarded_user', 'X-Forwarded-Email', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Groups', 'X-Forwarded-Access-Token',
  'X-User', 'x_user', 'X-Email', 'X-Webauth-User', 'X_WEBAUTH_USER',
  // Other proxies' identity and rewrite headers (issue 16): whole families, every spelling.
  'X-WEBAUTH-EMAIL', 'x_webauth_groups', 'X-Remote-Anything', 'Remote-Anything', 'REMOTE_ADDR_USER', 'X-Authenticated-User', 'x_authenticated_user',
  'X-Ms-Client-Principal', 'X-MS-CLIENT-PRINCIPAL-NAME', 'x_ms_client_principal_id', 'X-Ms-Client-Principal-Idp', 'X-Original-URL', 'x_original_url', 'X-Original-URI',
  'X-Original-Host', 'X-Rewrite-URL', 'X_REWRITE_URL', 'X-HTTP-Method-Override', 'x_http_method_override', 'X-HTTP-Method', 'X-Method-Override', 'X-Client-IP', 'True-Client-IP',
];
for (const name of spellings) {
  t.test(`identity header stripped: ${JSON.stringify(name)}`, async (t) => {
    t.equal(stripper.isIdentityHeader(name), true);
    const out = outgoingHeaders([name, 'mallory', 'Host', 'rstudio.example.com'], { names, add: [] });
    t.same(out, ['Host', 'rstudio.example.com']);
  });
}

const kept = ['Host', 'Cookie', 'Authorization', 'Content-Type', 'Accept', 'X-Requested-With', 'X-Authx', 'X-Author', 'User-Agent', 'X-RStudio', 'Origin', 'Sec-WebSocket-Key', 'X-Remote', 'Remotely', 'X-Originals', 'X-Ms-Client'];
for (const name of kept) {
  t.test(`ordinary header kept: ${name}`, async (t) => {
    t.equal(stripper.isIdentityHeader(name), false);
  });
}

t.test('the stripper answers the same when asked again', async (t) => {
  const s = identityStripper(['X-Auth-Username'], []);
  t.equal(s.isIdentityHeader('X_Auth_Username'), true);
  t.equal(s.isIdentityHeader('X_Auth_Username'), true);
  t.equal(s.isIdentityHeader('Accept'), false);
  t.equal(s.isIdentityHeader('Accept'), false);
});

t.test('HeaderNames keeps at most maxNames spellings; names past the bound are still judged', async (t) => {
  const small = new HeaderNames(stripper, 3);
  const junk = ['X-A', 'X-B', 'X-C', 'X-D', 'X-E'];
  const out = outgoingHeaders([...junk.flatMap((n) => [n, '1']), 'X_Auth_Username', 'mallory', 'Connection', 'close', 'Remote-User', 'mallory'], { names: small, add: [] });
  t.same(out, junk.flatMap((n) => [n, '1']), 'identity headers after a full cache are stripped all the same');
  t.equal(small.size, 3);
  t.same(small.info('X_Auth_Username'), { lower: 'x_auth_username', kind: small.info('x-auth-username').kind }, 'same answer, cached or not');
  t.equal(small.size, 3);
});

t.test('upstream.passHeaders lets a third-party name through, never one authgate sets', async (t) => {
  const generic = headerPlan('generic', { username: 'Remote-User' }, 'X-Authgate-Assertion');
  const s = identityStripper(generic.stripNames, STRIPPED_PREFIXES, {
    thirdParty: ALWAYS_STRIPPED,
    thirdPartyPrefixes: THIRD_PARTY_PREFIXES,
    pass: ['X-HTTP-Method-Override', 'x_webauth_user', 'Remote-User', 'X-Auth-Username'],
  });
  for (const name of ['X-HTTP-Method-Override', 'x_http_method_override', 'X-WEBAUTH-USER']) t.equal(s.isIdentityHeader(name), false, `${name} passes`);
  for (const name of ['Remote-User', 'REMOTE_USER', 'X-Auth-Username', 'X-Webauth-Email', 'X-Method-Override']) t.equal(s.isIdentityHeader(name), true, `${name} still stripped`);
});

t.test('keep (X-Auth-Token under passApiKeys) never keeps an exact name authgate sets', async (t) => {
  const s = identityStripper(['X-Auth-Username'], STRIPPED_PREFIXES, { keep: ['X-Auth-Token', 'X-Auth-Username'] });
  t.equal(s.isIdentityHeader('X_AUTH_TOKEN'), false);
  t.equal(s.isIdentityHeader('X-Auth-Username'), true);
});

t.test('custom names (overrides) are stripped in every spelling', async (t) => {
  const custom = headerPlan('generic', { username: 'Remote-Login', email: 'X-Mail' }, 'X-Signed');
  const s = identityStripper(custom.stripNames, STRIPPED_PREFIXES);
  for (const name of ['Remote-Login', 'REMOTE_LOGIN', 'x_mail', 'X-SIGNED', 'x_signed']) t.equal(s.isIdentityHeader(name), true, name);
});

t.test('connectionTokens: every Connection header, lower-cased, trimmed', async (t) => {
  const tokens = connectionTokens(['Connection', 'X-Auth-Username, keep-alive', 'Host', 'h', 'connection', ' Upgrade ,, x-foo']);
  t.same([...tokens].sort(), ['keep-alive', 'upgrade', 'x-auth-username', 'x-foo']);
});

interface Case {
  name: string;
  raw: string[];
  keepUpgrade?: boolean;
  add?: Array<[string, string]>;
  host?: string;
  expected: string[];
}

const cases: Case[] = [
  {
    name: 'Connection-listed header removed, but never the headers authgate adds',
    raw: ['Host', 'h', 'Connection', 'X-Auth-Username, keep-alive', 'X-Auth-Username', 'mallory', 'Keep-Alive', 'timeout=5', 'Accept', '*/*'],
    add: ADDED,
    expected: ['Host', 'h', 'Accept', '*/*', ...ADDED.flat()],
  },
  {
    name: 'Connection naming the assertion and X-Forwarded-For does not remove ours',
    raw: ['Host', 'h', 'Connection', 'X-Authgate-Assertion, X-Forwarded-For, close'],
    add: ADDED,
    expected: ['Host', 'h', ...ADDED.flat()],
  },
  {
    name: 'Connection naming an ordinary header removes it',
    raw: ['Host', 'h', 'Connection', 'X-Custom', 'X-Custom', '1', 'X-Other', '2'],
    expected: ['Host', 'h', 'X-Other', '2'],
  },
  {
    name: 'hop-by-hop headers removed in any case',
    raw: ['Host', 'h', 'KEEP-ALIVE', '1', 'Proxy-Connection', 'keep-alive', 'TE', 'trailers', 'Trailer', 'X', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Proxy-Authorization', 'Basic x', 'Proxy-Authenticate', 'x', 'HTTP2-Settings', 'x', 'Connection', 'close', 'Accept', 'a'],
    expected: ['Host', 'h', 'Accept', 'a'],
  },
  {
    name: 'client X-Forwarded-* and Forwarded dropped, ours appended',
    raw: ['Host', 'h', 'X-Forwarded-For', '6.6.6.6', 'x-forwarded-proto', 'http', 'X-Forwarded-Host', 'evil.example', 'Forwarded', 'for=6.6.6.6', 'X-Forwarded-Port', '80', 'X-Forwarded-Prefix', '/evil'],
    add: ADDED,
    expected: ['Host', 'h', ...ADDED.flat()],
  },
  {
    name: 'client X-Real-IP and X-Request-Id dropped in every spelling, ours appended once',
    raw: ['Host', 'h', 'X-Real-IP', '6.6.6.6', 'x_real_ip', '6.6.6.6', 'X-REQUEST-ID', 'forged-id-123', 'X_Request_Id', 'forged', 'Accept', 'a'],
    add: [['x-real-ip', '198.51.100.7'], ['x-request-id', 'ours']],
    expected: ['Host', 'h', 'Accept', 'a', 'x-real-ip', '198.51.100.7', 'x-request-id', 'ours'],
  },
  {
    name: 'host option: the client Host (any spelling, duplicated) replaced by the public host, first',
    raw: ['Accept', 'a', 'Host', 'evil.example', 'HOST', 'evil2.example'],
    host: 'rstudio.example.com',
    expected: ['host', 'rstudio.example.com', 'Accept', 'a'],
  },
  {
    name: 'host option: Connection naming Host cannot remove the public host',
    raw: ['Host', 'evil.example', 'Connection', 'host, x-custom', 'X-Custom', '1', 'Accept', 'a'],
    host: 'rstudio.example.com',
    expected: ['host', 'rstudio.example.com', 'Accept', 'a'],
  },
  {
    name: 'client X-Forwarded-* dropped in underscore and mixed spellings',
    raw: ['Host', 'h', 'X_Forwarded_For', '6.6.6.6', 'X-Forwarded_For', '6.6.6.6', 'X_Forwarded-Proto', 'http', 'x_forwarded_host', 'evil.example', 'FORWARDED', 'for=1'],
    expected: ['Host', 'h'],
  },
  {
    name: 'Expect is never forwarded (authgate answers 100 Continue itself; undici refuses the header)',
    raw: ['Host', 'h', 'Expect', '100-continue', 'Content-Length', '5', 'EXPECT', '100-Continue', 'expect', 'x'],
    expected: ['Host', 'h', 'Content-Length', '5'],
  },
  {
    name: 'WebSocket handshake keeps Upgrade and sets Connection: upgrade',
    raw: ['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k', 'Sec-WebSocket-Version', '13', 'X-RStudio-Username', 'root'],
    keepUpgrade: true,
    add: [['X-Auth-Username', 'alice']],
    expected: ['Host', 'h', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k', 'Sec-WebSocket-Version', '13', 'connection', 'upgrade', 'X-Auth-Username', 'alice'],
  },
  {
    name: 'WebSocket handshake with Connection: keep-alive, Upgrade',
    raw: ['Host', 'h', 'Connection', 'keep-alive, Upgrade', 'Upgrade', 'websocket', 'Keep-Alive', 'x'],
    keepUpgrade: true,
    expected: ['Host', 'h', 'Upgrade', 'websocket', 'connection', 'upgrade'],
  },
  {
    name: 'plain request drops Upgrade',
    raw: ['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket'],
    expected: ['Host', 'h'],
  },
  {
    name: 'duplicated identity headers all removed; duplicate ordinary headers kept in order',
    raw: ['X-Auth-Username', 'a', 'Accept', '1', 'x-auth-username', 'b', 'Accept', '2', 'X_AUTH_USERNAME', 'c'],
    expected: ['Accept', '1', 'Accept', '2'],
  },
  {
    name: 'cookies and authorization pass through',
    raw: ['Cookie', 'a=1', 'Authorization', 'Key abc'],
    expected: ['Cookie', 'a=1', 'Authorization', 'Key abc'],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const out = outgoingHeaders(c.raw, {
      names,
      add: c.add ?? [],
      ...(c.keepUpgrade !== undefined ? { keepUpgrade: c.keepUpgrade } : {}),
      ...(c.host !== undefined ? { host: c.host } : {}),
    });
    t.same(out, c.expected);
  });
}

const responseCases: Array<[string, Record<string, string | string[] | undefined>, Record<string, string | string[]>]> = [
  ['hop-by-hop removed', { 'content-type': 'text/html', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'] }, { 'content-type': 'text/html', 'set-cookie': ['a=1', 'b=2'] }],
  ['Connection-listed removed', { connection: 'x-internal, close', 'x-internal': 'secret', 'x-public': '1' }, { 'x-public': '1' }],
  ['undefined values skipped', { a: undefined, b: '1' }, { b: '1' }],
  ['upgrade removed from a plain response', { upgrade: 'h2c', 'content-length': '0' }, { 'content-length': '0' }],
];
for (const [name, input, expected] of responseCases) {
  t.test(`responseHeaders: ${name}`, async (t) => {
    t.same(responseHeaders(input), expected);
  });
}
