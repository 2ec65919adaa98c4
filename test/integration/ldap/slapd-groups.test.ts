/** OpenLDAP groups: memberOf overlay, member search, nested expansion (depth, cycles), dynlist, permitted groups. */
import t from 'tap';
import { startSlapd } from '../../support/slapd.ts';
import { CONTEXT, groupNames, judged, provider, slapdConfig } from './fixtures.ts';

const slapd = await startSlapd({ memberOf: 'memberof' });
t.teardown(() => slapd.stop());
const pw = slapd.userPassword;
const G = (cn: string) => `cn=${cn},ou=Groups,${slapd.baseDN}`;

t.test('group resolution modes', async (t) => {
  const cases = [
    { name: 'memberOf overlay, direct only', overrides: {}, user: 'alice', groups: ['Engineering'] },
    { name: 'member search, direct only', overrides: { groupMembership: 'search' as const }, user: 'alice', groups: ['Engineering'] },
    { name: 'memberOf + nested expansion', overrides: { nestedGroups: true }, user: 'alice', groups: ['Engineering', 'Everyone', 'Staff'] },
    { name: 'member search + nested expansion', overrides: { groupMembership: 'search' as const, nestedGroups: true }, user: 'alice', groups: ['Engineering', 'Everyone', 'Staff'] },
    { name: 'depth limit 1', overrides: { nestedGroups: true, nestedGroupsMaxDepth: 1 }, user: 'alice', groups: ['Engineering', 'Staff'] },
    { name: 'direct member of the parent', overrides: { nestedGroups: true }, user: 'dave', groups: ['Everyone', 'Staff'] },
    { name: 'groupNameAttribute description falls back to the RDN', overrides: { groupNameAttribute: 'ou' }, user: 'carol', groups: ['Admins'] },
    { name: 'groupFilterBase excludes groups', overrides: { groupFilterBase: '(&(objectClass=groupOfNames)(!(cn=Engineering)))', nestedGroups: true }, user: 'alice', groups: [] },
    { name: 'no groupSearchBaseDN: no groups', overrides: { groupSearchBaseDN: undefined }, user: 'alice', groups: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(slapdConfig(slapd, c.overrides));
      t.teardown(() => p.close?.());
      const outcome = await p.authenticate(c.user, pw, CONTEXT);
      t.ok(outcome.ok, JSON.stringify(outcome));
      t.same(groupNames(outcome), c.groups);
    });
  }
});

t.test('cycles in nested groups terminate', async (t) => {
  await slapd.add([
    `dn: ${G('CycleB')}`, 'objectClass: groupOfNames', 'cn: CycleB', `member: uid=eve,ou=Users,${slapd.baseDN}`, '',
    `dn: ${G('CycleA')}`, 'objectClass: groupOfNames', 'cn: CycleA', `member: ${G('CycleB')}`, '',
  ].join('\n'));
  await slapd.modify([`dn: ${G('CycleB')}`, 'changetype: modify', 'add: member', `member: ${G('CycleA')}`, ''].join('\n'));
  const p = provider(slapdConfig(slapd, { nestedGroups: true }));
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('eve', pw, CONTEXT);
  t.same(groupNames(outcome), ['CycleA', 'CycleB']);
});

t.test('permittedLoginGroups', async (t) => {
  const cases = [
    { name: 'by DN, nested', overrides: { nestedGroups: true, permittedLoginGroups: [G('Staff').toUpperCase().replace(/,/g, ', ')] }, allowed: ['alice', 'bob', 'dave'], refused: ['carol', 'zoë'] },
    { name: 'by name, direct only', overrides: { permittedLoginGroups: ['admins'] }, allowed: ['carol'], refused: ['alice', 'dave'] },
    { name: 'nested membership does not count without nestedGroups', overrides: { permittedLoginGroups: ['Staff'] }, allowed: ['dave'], refused: ['alice'] },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const p = provider(slapdConfig(slapd, c.overrides));
      t.teardown(() => p.close?.());
      for (const user of c.allowed) t.match(await judged(p, p.authenticate(user, pw, CONTEXT)), { ok: true }, `${user} permitted`);
      for (const user of c.refused) t.match(await judged(p, p.authenticate(user, pw, CONTEXT)), { ok: false, reason: 'not-permitted' }, `${user} not permitted`);
      t.match(await p.authenticate(c.refused[0] as string, 'wrong', CONTEXT), { ok: false, reason: 'bad-credentials' }, 'password checked before membership is revealed');
    });
  }
});

t.test('dynlist computes nested memberOf itself', async (t) => {
  const dynlist = await startSlapd({ memberOf: 'dynlist' });
  t.teardown(() => dynlist.stop());
  const p = provider(slapdConfig(dynlist));
  t.teardown(() => p.close?.());
  const outcome = await p.authenticate('alice', pw, CONTEXT);
  t.ok(outcome.ok);
  t.ok(groupNames(outcome).includes('Engineering') && groupNames(outcome).includes('Staff'), `memberOf includes the parent group: ${groupNames(outcome).join(', ')}`);
  const nested = provider(slapdConfig(dynlist, { nestedGroups: true }));
  t.teardown(() => nested.close?.());
  t.same(groupNames(await nested.authenticate('alice', pw, CONTEXT)), ['Engineering', 'Everyone', 'Staff']);
});
