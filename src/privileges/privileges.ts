/**
 * Privilege drop for plain-VM installs: started as root (an init script, a manual start), authgate
 * binds its ports and reads its keys, then becomes `process.user` / `process.group` before it
 * serves anything. The only file that calls setgroups/setgid/setuid.
 *
 * Accounts are looked up in /etc/passwd and /etc/group (the pure parsers below), which is where
 * `useradd --system` and systemd-sysusers put them; users that only exist in LDAP/SSSD are not seen.
 */
import { readFileSync } from 'node:fs';
import { AuthgateError } from '../core/index.ts';

export interface ProcessSettings {
  user?: string | undefined;
  group?: string | undefined;
  allowRoot: boolean;
  /** Demo mode (loopback, never production) may stay root with a warning, so `npm start` works in a root container. */
  demo?: boolean;
}

export interface AccountDb {
  passwd: string;
  group: string;
}

export interface Account {
  user: string;
  uid: number;
  group: string;
  gid: number;
}

export interface Credentials {
  uid: number;
  euid: number;
  gid: number;
  egid: number;
}

export type PrivilegePlan =
  | { action: 'keep'; warning?: string }
  | { action: 'drop'; account: Account };

export interface AccountProblem {
  key: 'process.user' | 'process.group';
  message: string;
}

interface Entry {
  name: string;
  id: number;
  gid?: number;
}

/** `name:x:uid:gid:…` lines of /etc/passwd (comments and malformed lines skipped). */
export function parsePasswd(text: string): Entry[] {
  return parseColonFile(text).flatMap((f) => (f.length >= 4 && isId(f[2]) && isId(f[3]) ? [{ name: f[0]!, id: Number(f[2]), gid: Number(f[3]) }] : []));
}

/** `name:x:gid:members` lines of /etc/group. */
export function parseGroup(text: string): Entry[] {
  return parseColonFile(text).flatMap((f) => (f.length >= 3 && isId(f[2]) ? [{ name: f[0]!, id: Number(f[2]) }] : []));
}

function parseColonFile(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function isId(value: string | undefined): value is string {
  return value !== undefined && /^\d{1,10}$/.test(value) && Number(value) <= 0xfffffffe;
}

/** The account `process.user` / `process.group` name, or every reason it cannot be resolved. Pure. */
export function resolveAccount(settings: ProcessSettings, db: AccountDb): { account?: Account; problems: AccountProblem[] } {
  const problems: AccountProblem[] = [];
  if (settings.user === undefined) {
    if (settings.group !== undefined) problems.push({ key: 'process.group', message: 'is set but process.user is not; name the user to drop to as well' });
    return { problems };
  }
  const users = parsePasswd(db.passwd);
  const groups = parseGroup(db.group);
  const numericUser = isId(settings.user);
  const userEntry = users.find((u) => (numericUser ? u.id === Number(settings.user) : u.name === settings.user));
  if (!userEntry && !numericUser) {
    problems.push({
      key: 'process.user',
      message: `"${settings.user}" does not exist on this system (not in /etc/passwd); create it (\`useradd --system --no-create-home --shell /usr/sbin/nologin ${settings.user}\`) or name an existing user`,
    });
  }
  let group: Entry | undefined;
  if (settings.group !== undefined) {
    const numericGroup = isId(settings.group);
    group = groups.find((g) => (numericGroup ? g.id === Number(settings.group) : g.name === settings.group)) ?? (numericGroup ? { name: settings.group, id: Number(settings.group) } : undefined);
    if (!group) {
      problems.push({ key: 'process.group', message: `"${settings.group}" does not exist on this system (not in /etc/group); create it or name an existing group` });
    }
  } else if (userEntry) {
    group = groups.find((g) => g.id === userEntry.gid) ?? { name: String(userEntry.gid), id: userEntry.gid! };
  } else if (numericUser) {
    problems.push({ key: 'process.user', message: `uid ${settings.user} has no entry in /etc/passwd, so its primary group is unknown; set process.group too` });
  }
  if (problems.length > 0 || !group) return { problems };
  return { account: { user: userEntry?.name ?? settings.user, uid: userEntry?.id ?? Number(settings.user), group: group.name, gid: group.id }, problems };
}

/**
 * What to do given the settings and who we run as. Pure; throws ERR_PRIVILEGE_DROP when authgate
 * must not start: root without process.user (unless allowRoot), an unknown account, or a
 * non-root start as a different user than process.user (only root can switch).
 */
export function planPrivileges(settings: ProcessSettings, current: Credentials, db: AccountDb): PrivilegePlan {
  const root = current.uid === 0 || current.euid === 0;
  if (settings.user === undefined && settings.group === undefined) {
    if (!root) return { action: 'keep' };
    if (settings.allowRoot) return { action: 'keep', warning: 'running as root because process.allowRoot is true; set process.user to drop privileges after binding the ports' };
    if (settings.demo) return { action: 'keep', warning: 'running as root in demo mode; a real configuration must set process.user (or process.allowRoot: true)' };
    throw fail(
      'authgate is running as root and process.user is not set: set process.user (for example "authgate") so it drops privileges after binding its ports, or set process.allowRoot: true to keep running as root (not recommended)',
    );
  }
  const { account, problems } = resolveAccount(settings, db);
  if (!account) throw fail(problems.map((p) => `${p.key}: ${p.message}`).join('; '));
  if (!root) {
    if (account.uid !== current.euid) {
      throw fail(`process.user: "${settings.user}" is uid ${account.uid} but authgate runs as uid ${current.euid}, and only root can switch users; start authgate as root or as "${account.user}", or remove process.user`);
    }
    if (settings.group !== undefined && account.gid !== current.egid) {
      throw fail(`process.group: "${settings.group}" is gid ${account.gid} but authgate runs as gid ${current.egid}, and only root can switch groups; start authgate as root or with that group, or remove process.group`);
    }
    return { action: 'keep' };
  }
  if (account.uid === 0) {
    if (settings.allowRoot) return { action: 'keep', warning: `running as root because process.user "${settings.user}" is uid 0 and process.allowRoot is true` };
    throw fail(`process.user: "${settings.user}" is uid 0, so nothing would be dropped; name an unprivileged user, or set process.allowRoot: true to run as root (not recommended)`);
  }
  return { action: 'drop', account };
}

/** Problems check-config reports for the process section (unknown user or group). */
export function processAccountProblems(settings: ProcessSettings, db: AccountDb = readAccountDb()): AccountProblem[] {
  return resolveAccount(settings, db).problems;
}

export function readAccountDb(): AccountDb {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return { passwd: read('/etc/passwd'), group: read('/etc/group') };
}

export function currentCredentials(): Credentials | undefined {
  if (!process.getuid || !process.geteuid || !process.getgid || !process.getegid) return undefined;
  return { uid: process.getuid(), euid: process.geteuid(), gid: process.getgid(), egid: process.getegid() };
}

/** planPrivileges for this process (on a platform without uids, only allowRoot-free settings pass). */
export function planForThisProcess(settings: ProcessSettings): PrivilegePlan {
  const current = currentCredentials();
  if (!current) {
    if (settings.user !== undefined || settings.group !== undefined) throw fail('process.user / process.group need a POSIX system (Linux); remove them on this platform');
    return { action: 'keep' };
  }
  return planPrivileges(settings, current, readAccountDb());
}

/**
 * Supplementary groups cleared, then the group, then the user (after setuid the process could no
 * longer change its groups); then checked: every id is the target, root cannot be regained and no
 * capability is left. Synchronous: it runs between binding the ports and serving.
 */
export function applyPrivilegePlan(plan: PrivilegePlan): void {
  if (plan.action === 'keep') return;
  const { uid, gid } = plan.account;
  const target = `user "${plan.account.user}" (uid ${uid}) and group "${plan.account.group}" (gid ${gid})`;
  try {
    process.setgroups!([]);
    process.setgid!(gid);
    process.setuid!(uid);
  } catch (error) {
    throw fail(`cannot drop privileges to ${target}: ${(error as Error).message}`, error);
  }
  const now = currentCredentials()!;
  const groups = process.getgroups!();
  if (now.uid !== uid || now.euid !== uid || now.gid !== gid || now.egid !== gid || groups.some((g) => g !== gid)) {
    throw fail(`privileges were not dropped to ${target}: now uid ${now.uid}/${now.euid}, gid ${now.gid}/${now.egid}, groups [${groups.join(',')}]`);
  }
  let regained = false;
  try {
    process.setuid!(0);
    regained = true;
  } catch {
    // expected: an unprivileged process cannot become root again
  }
  if (regained) throw fail(`after dropping to ${target} the process could become root again; refusing to serve`);
  const caps = capabilitiesHeld(readProcStatus());
  if (caps.length > 0) throw fail(`after dropping to ${target} the process still holds capabilities (${caps.join(', ')}); refusing to serve`);
}

/** Non-zero CapPrm/CapEff/CapAmb lines of a /proc/<pid>/status text. Pure. */
export function capabilitiesHeld(status: string): string[] {
  return [...status.matchAll(/^(CapPrm|CapEff|CapAmb):\s*([0-9a-f]+)$/gm)].filter((m) => /[1-9a-f]/.test(m[2]!)).map((m) => `${m[1]} ${m[2]}`);
}

function readProcStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

function fail(message: string, cause?: unknown): AuthgateError {
  return new AuthgateError('ERR_PRIVILEGE_DROP', message, cause === undefined ? {} : { cause });
}
