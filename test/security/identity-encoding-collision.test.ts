/**
 * Two users, one identity upstream (issue 16): `Zoë` was forwarded as `Zo%C3%AB` and a user
 * literally named `Zo%C3%AB` went through unchanged, so Connect saw both as the same
 * X-Auth-Username and X-Auth-ID. The encoding now always encodes `%`, so distinct values stay
 * distinct; group names containing the separator are not split.
 */
import t from 'tap';
import { login, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { exchange, rawGet, statusOf, valuesOf } from './support.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

const USERS = [
  { username: 'Zoë', password: 'zoe-Passw0rd!-1', groups: ['staff,admins'] },
  { username: 'Zo%C3%AB', password: 'zoe-Passw0rd!-2', groups: ['staff', 'admins'] },
];

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({ config: { upstream: { url: upstream.url, profile: 'connect' } }, users: USERS });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

t.test('Zoë and a user named Zo%C3%AB reach Connect as two different users', async (t) => {
  const seen: Array<{ username: string[]; id: string[]; groups: string[] }> = [];
  for (const [i, user] of USERS.entries()) {
    const cookie = (await login(ag, user.username, user.password)).cookie;
    t.ok(cookie, `${user.username} logs in`);
    const path = `/whoami/${i}`;
    t.equal(statusOf(await exchange(ag, rawGet(path, [`Cookie: ${cookie}`]))), 200);
    const r = upstream.received.findLast((x) => x.url === path)!;
    seen.push({ username: valuesOf(r, 'x-auth-username'), id: valuesOf(r, 'x-auth-id'), groups: valuesOf(r, 'x-auth-groups') });
  }
  const [zoe, literal] = seen as [(typeof seen)[number], (typeof seen)[number]];
  t.same(zoe.username, ['Zo%C3%AB'], 'Zoë as percent-encoded UTF-8');
  t.same(literal.username, ['Zo%25C3%25AB'], 'the literal name with its % encoded');
  t.not(zoe.username[0], literal.username[0], 'X-Auth-Username differs');
  t.equal(zoe.id.length, 1);
  t.not(zoe.id[0], literal.id[0], 'X-Auth-ID differs');
  t.same(zoe.groups, ['staff%2Cadmins'], 'a group named "staff,admins" stays one group');
  t.same(literal.groups, ['staff,admins'], 'two groups staff and admins');
});
