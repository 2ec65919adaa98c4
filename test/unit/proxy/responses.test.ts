import t from 'tap';
import { cookieNameOf, guardedResponseHeaders, guardedUpgradeHeaders, ownCookieMatcher, type ResponsePolicy } from '../../../src/proxy/responses.ts';

const nameCases: Array<[string, string]> = [
  ['__Host-authgate=abc; Path=/; Secure', '__Host-authgate'],
  ['  __Host-authgate  =abc', '__Host-authgate'],
  ['a=b=c; Path=/', 'a'],
  ['=__Host-authgate=evil; Path=/x', '__Host-authgate'],
  ['= __Host-authgate =evil', '__Host-authgate'],
  ['__Host-authgate', '__Host-authgate'],
  ['novalue; Path=/', 'novalue'],
  ['', ''],
];
for (const [header, expected] of nameCases) {
  t.test(`cookieNameOf(${JSON.stringify(header)})`, async (t) => {
    t.equal(cookieNameOf(header), expected);
  });
}

const own = ownCookieMatcher('authgate');
const ownCases: Array<[string, boolean]> = [
  ['__Host-authgate', true],
  ['__Host-authgate-csrf', true],
  ['__Host-authgate-oidc', true],
  ['__host-AUTHGATE', true],
  ['__HOST-authgate-Csrf', true],
  ['__Secure-authgate', true],
  ['__secure-authgate-oidc', true],
  ['__Host-authgatex', false],
  ['__Host-other', false],
  ['authgate', false],
  ['authgate-csrf', false],
  ['session', false],
  ['upstream', false],
  ['__Host-', false],
];
for (const [name, expected] of ownCases) {
  t.test(`ownCookieMatcher('authgate')(${JSON.stringify(name)}) is ${expected}`, async (t) => {
    t.equal(own(name), expected);
  });
}

t.test('a custom cookieName is matched the same way', async (t) => {
  const m = ownCookieMatcher('Sess_1');
  t.equal(m('__Host-sess_1'), true);
  t.equal(m('__Host-Sess_1-csrf'), true);
  t.equal(m('Sess_1'), false);
});

const policy: ResponsePolicy = { hsts: 'max-age=31536000', isOwnCookie: own };

t.test('guardedResponseHeaders drops authgate cookies and the upstream HSTS, keeps the rest', async (t) => {
  const { headers, dropped } = guardedResponseHeaders(
    {
      'content-type': 'text/html',
      'strict-transport-security': 'max-age=0',
      connection: 'keep-alive',
      'set-cookie': ['__Host-authgate=evil; Path=/; Secure', 'app=1; Path=/', '=__Host-authgate-csrf=x', '__host-authgate-oidc=y'],
    },
    policy,
  );
  t.same(headers, { 'content-type': 'text/html', 'set-cookie': ['app=1; Path=/'] });
  t.same(dropped, ['__Host-authgate', '__Host-authgate-csrf', '__host-authgate-oidc']);
});

t.test('guardedResponseHeaders: a single own cookie removes the header; none leaves it untouched', async (t) => {
  t.same(guardedResponseHeaders({ 'set-cookie': ['__Host-authgate=x'] }, policy), { headers: {}, dropped: ['__Host-authgate'] });
  const untouched = guardedResponseHeaders({ 'set-cookie': ['a=1', 'b=2'] }, policy);
  t.same(untouched, { headers: { 'set-cookie': ['a=1', 'b=2'] }, dropped: [] });
});

t.test('guardedResponseHeaders without a policy only removes hop-by-hop headers', async (t) => {
  t.same(guardedResponseHeaders({ 'strict-transport-security': 'max-age=0', 'set-cookie': ['__Host-authgate=x'], connection: 'close' }, undefined), {
    headers: { 'strict-transport-security': 'max-age=0', 'set-cookie': ['__Host-authgate=x'] },
    dropped: [],
  });
});

t.test('guardedUpgradeHeaders keeps the handshake, drops own cookies and HSTS, appends ours', async (t) => {
  const raw = ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'x', 'Set-Cookie', '__Host-authgate=evil; Path=/', 'Set-Cookie', 'app=1', 'Strict-Transport-Security', 'max-age=0'];
  t.same(guardedUpgradeHeaders(raw, policy), {
    raw: ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'x', 'Set-Cookie', 'app=1', 'strict-transport-security', 'max-age=31536000'],
    dropped: ['__Host-authgate'],
  });
  t.same(guardedUpgradeHeaders(raw, { ...policy, hsts: '' }).raw.filter((v) => /strict/i.test(v)), [], 'HSTS disabled: none at all');
});
