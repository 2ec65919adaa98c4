/** LDAP login through authgate's login form against a real slapd: nested permitted groups, role mapping, membership refresh. */
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthgate, fetchText, login } from '../../support/authgate.ts';
import { startUpstream } from '../../support/upstream.ts';
import { startSlapd, slapdProviderInput } from '../../support/slapd.ts';

t.test('LDAP users log in through the form; groups, roles and refresh reach the upstream', async (t) => {
  const slapd = await startSlapd();
  t.teardown(() => slapd.stop());
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  let clock = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-ldap-'));
  writeFileSync(path.join(dir, 'bind-password'), `${slapd.bindPassword}\n`, { mode: 0o600 });
  const G = (cn: string) => `cn=${cn},ou=Groups,${slapd.baseDN}`;
  const ag = await startAuthgate({
    dir,
    now: () => clock,
    config: {
      upstream: { url: upstream.url },
      auth: {
        providers: [
          slapdProviderInput(slapd, { bindPasswordFile: path.join(dir, 'bind-password') }, {
            id: 'corp',
            name: 'Corporate directory',
            serverAddress: [slapd.ldapsUrl],
            userRoleAttribute: undefined,
            nestedGroups: true,
            permittedLoginGroups: [G('Staff')],
            membershipUpdateInterval: '1h',
          }),
        ],
      },
      authorization: { userRoleGroupMapping: true, publisherRoleMapping: [G('Engineering')], administratorRoleMapping: ['Admins'] },
    },
  });
  t.teardown(() => ag.stop());

  const page = await fetchText(ag, '/__authgate__/login', { headers: { accept: 'text/html' } });
  t.match(page.body, /Corporate directory/);

  const alice = await login(ag, 'alice', slapd.userPassword, { provider: 'corp', rd: '/p/1' });
  t.equal(alice.response.status, 302, alice.response.body.slice(0, 300));
  t.equal(alice.response.headers.location, '/p/1');
  await fetchText(ag, '/p/1', { headers: { cookie: alice.cookie! } });
  let seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-auth-username'], 'alice');
  t.equal(seen.headers['x-auth-role'], 'publisher', 'Engineering (by DN) maps to publisher');
  t.match(String(seen.headers['x-auth-groups']), /Engineering/);
  t.match(String(seen.headers['x-auth-groups']), /Staff/, 'nested group resolved');
  t.match(String(seen.headers['x-auth-id']), /^[0-9a-f-]{36}$/, 'entryUUID as the unique id');

  const carol = await login(ag, 'carol', slapd.userPassword, { provider: 'corp' });
  t.equal(carol.response.status, 403, 'carol is not in Staff: not permitted');
  t.match(carol.response.body, /not permitted/);
  t.notOk(carol.cookie);

  const wrong = await login(ag, 'alice', 'wrong-password', { provider: 'corp' });
  t.equal(wrong.response.status, 401);
  const injection = await login(ag, '*)(uid=*', slapd.userPassword, { provider: 'corp' });
  t.equal(injection.response.status, 401, 'filter injection is just a wrong username');
  const empty = await login(ag, 'alice', ' ', { provider: 'corp' });
  t.equal(empty.response.status, 401, 'blank password refused before any bind');

  // Remove alice from Engineering: after membershipUpdateInterval her next request re-reads the directory.
  await slapd.modify(`dn: ${G('Engineering')}\nchangetype: modify\ndelete: member\nmember: uid=alice,ou=Users,${slapd.baseDN}\n`);
  await fetchText(ag, '/p/2', { headers: { cookie: alice.cookie! } });
  t.equal(upstream.received.at(-1)!.headers['x-auth-role'], 'publisher', 'before the interval the session keeps its groups');
  clock += 61 * 60_000;
  const refreshed = await fetchText(ag, '/p/3', { headers: { cookie: alice.cookie!, accept: 'application/json' } });
  t.equal(refreshed.status, 401, 'no longer in Staff (through Engineering): the session ends at refresh');
  t.ok(ag.audit.some((l) => l.includes('"session.ended"') && l.includes('"not-permitted"')));
  const after = await fetchText(ag, '/p/4', { headers: { cookie: alice.cookie!, accept: 'application/json' } });
  t.equal(after.status, 401, 'the revoked cookie is refused from then on');
  seen = upstream.received.at(-1)!;
  t.equal(seen.url, '/p/2', 'the upstream saw nothing after the refresh ended the session');
});
