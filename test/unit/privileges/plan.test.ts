/** The pure half of the privilege drop: account files, the plan, capability lines. */
import t from 'tap';
import { capabilitiesHeld, parseGroup, parsePasswd, planPrivileges, resolveAccount, type Credentials, type ProcessSettings } from '../../../src/privileges/plan.ts';

const db = {
  passwd: [
    'root:x:0:0:root:/root:/bin/bash',
    '# a comment',
    'broken line',
    'authgate:x:998:997:authgate:/nonexistent:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    'toor:x:0:0::/root:/bin/sh',
    'orphan:x:1500:4242::/home/orphan:/bin/sh',
    '',
  ].join('\n'),
  group: ['root:x:0:', 'ssl-cert:x:110:postgres', 'authgate:x:997:', 'nogroup:x:65534:', ''].join('\n'),
};

const ROOT: Credentials = { uid: 0, euid: 0, gid: 0, egid: 0 };
const AUTHGATE: Credentials = { uid: 998, euid: 998, gid: 997, egid: 997 };
const OTHER: Credentials = { uid: 1000, euid: 1000, gid: 1000, egid: 1000 };

t.test('account files', async (t) => {
  t.same(parsePasswd(db.passwd).map((u) => u.name), ['root', 'authgate', 'nobody', 'toor', 'orphan']);
  t.same(parseGroup(db.group).find((g) => g.name === 'ssl-cert'), { name: 'ssl-cert', id: 110 });
  t.same(parsePasswd('x:x:-1:0::/:/bin/sh\ny:x:1:abc::/:/bin/sh\n'), [], 'negative or non-numeric ids are skipped');
});

const resolveCases: { name: string; settings: ProcessSettings; account?: object; problems?: RegExp[] }[] = [
  { name: 'user by name, primary group from passwd', settings: { user: 'authgate', allowRoot: false }, account: { user: 'authgate', uid: 998, group: 'authgate', gid: 997 } },
  { name: 'user by uid', settings: { user: '65534', allowRoot: false }, account: { user: 'nobody', uid: 65534, group: 'nogroup', gid: 65534 } },
  { name: 'explicit group by name', settings: { user: 'authgate', group: 'ssl-cert', allowRoot: false }, account: { uid: 998, group: 'ssl-cert', gid: 110 } },
  { name: 'numeric group without an entry', settings: { user: 'authgate', group: '5000', allowRoot: false }, account: { gid: 5000 } },
  { name: 'primary gid without a group entry', settings: { user: 'orphan', allowRoot: false }, account: { uid: 1500, group: '4242', gid: 4242 } },
  { name: 'uid without passwd entry but with a group', settings: { user: '4000', group: 'nogroup', allowRoot: false }, account: { user: '4000', uid: 4000, gid: 65534 } },
  { name: 'unknown user', settings: { user: 'nosuchuser', allowRoot: false }, problems: [/^process\.user: "nosuchuser" does not exist on this system/] },
  { name: 'unknown group', settings: { user: 'authgate', group: 'nosuchgroup', allowRoot: false }, problems: [/^process\.group: "nosuchgroup" does not exist on this system/] },
  { name: 'both unknown: both reported', settings: { user: 'nosuchuser', group: 'nosuchgroup', allowRoot: false }, problems: [/^process\.user: /, /^process\.group: /] },
  { name: 'uid without entry and no group', settings: { user: '4000', allowRoot: false }, problems: [/^process\.user: uid 4000 has no entry in \/etc\/passwd.*set process\.group too/] },
  { name: 'group without user', settings: { group: 'authgate', allowRoot: false }, problems: [/^process\.group: is set but process\.user is not/] },
  { name: 'nothing set', settings: { allowRoot: false }, problems: [] },
];

t.test('resolveAccount', async (t) => {
  for (const c of resolveCases) {
    t.test(c.name, async (t) => {
      const r = resolveAccount(c.settings, db);
      if (c.account) t.match(r.account, c.account);
      else t.equal(r.account, undefined);
      t.equal(r.problems.length, c.problems?.length ?? 0, JSON.stringify(r.problems));
      (c.problems ?? []).forEach((re, i) => t.match(`${r.problems[i]?.key}: ${r.problems[i]?.message}`, re));
    });
  }
});

const planCases: { name: string; settings: ProcessSettings; as: Credentials; action?: 'keep' | 'drop'; warning?: RegExp; error?: RegExp }[] = [
  { name: 'root with a user drops', settings: { user: 'authgate', allowRoot: false }, as: ROOT, action: 'drop' },
  { name: 'root with a user and allowRoot still drops', settings: { user: 'nobody', allowRoot: true }, as: ROOT, action: 'drop' },
  { name: 'effective root counts as root', settings: { allowRoot: false }, as: { ...OTHER, euid: 0 }, error: /running as root/ },
  { name: 'root without a user is refused', settings: { allowRoot: false }, as: ROOT, error: /running as root and process\.user is not set.*process\.allowRoot: true/ },
  { name: 'root without a user, allowRoot', settings: { allowRoot: true }, as: ROOT, action: 'keep', warning: /process\.allowRoot is true/ },
  { name: 'root without a user, demo mode', settings: { allowRoot: false, demo: true }, as: ROOT, action: 'keep', warning: /demo mode/ },
  { name: 'process.user naming root is refused', settings: { user: 'toor', allowRoot: false }, as: ROOT, error: /process\.user: "toor" is uid 0.*process\.allowRoot/ },
  { name: 'process.user naming root with allowRoot', settings: { user: 'root', allowRoot: true }, as: ROOT, action: 'keep', warning: /uid 0/ },
  { name: 'unknown user is refused', settings: { user: 'nosuchuser', allowRoot: false }, as: ROOT, error: /process\.user: "nosuchuser" does not exist on this system/ },
  { name: 'not root, nothing set (systemd with ambient capability)', settings: { allowRoot: false }, as: AUTHGATE, action: 'keep' },
  { name: 'not root, already the configured user', settings: { user: 'authgate', group: 'authgate', allowRoot: false }, as: AUTHGATE, action: 'keep' },
  { name: 'not root, another user', settings: { user: 'authgate', allowRoot: false }, as: OTHER, error: /process\.user: "authgate" is uid 998 but authgate runs as uid 1000, and only root can switch users/ },
  { name: 'not root, another group', settings: { user: 'authgate', group: 'ssl-cert', allowRoot: false }, as: AUTHGATE, error: /process\.group: "ssl-cert" is gid 110 but authgate runs as gid 997/ },
];

t.test('planPrivileges', async (t) => {
  for (const c of planCases) {
    t.test(c.name, async (t) => {
      if (c.error) {
        t.throws(() => planPrivileges(c.settings, c.as, db), { code: 'ERR_PRIVILEGE_DROP', message: c.error });
        return;
      }
      const plan = planPrivileges(c.settings, c.as, db);
      t.equal(plan.action, c.action);
      if (c.warning) t.match(plan.action === 'keep' ? plan.warning : undefined, c.warning);
    });
  }
});

t.test('capabilitiesHeld', async (t) => {
  const status = (eff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapPrm:\t${eff}\nCapEff:\t${eff}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n`;
  t.same(capabilitiesHeld(status('0000000000000000')), [], 'the bounding set does not count');
  t.same(capabilitiesHeld(status('0000000000000400')), ['CapPrm 0000000000000400', 'CapEff 0000000000000400']);
});
