/**
 * Privilege drop, the pure half: which account `process.user` / `process.group` name and what to
 * do given who authgate runs as. The account database (the text of /etc/passwd and /etc/group) is
 * passed in; reading it and switching ids is os.ts, the adapter.
 */
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
    throw privilegeDropError(
      'authgate is running as root and process.user is not set: set process.user (for example "authgate") so it drops privileges after binding its ports, or set process.allowRoot: true to keep running as root (not recommended)',
    );
  }
  const { account, problems } = resolveAccount(settings, db);
  if (!account) throw privilegeDropError(problems.map((p) => `${p.key}: ${p.message}`).join('; '));
  if (!root) {
    if (account.uid !== current.euid) {
      throw privilegeDropError(`process.user: "${settings.user}" is uid ${account.uid} but authgate runs as uid ${current.euid}, and only root can switch users; start authgate as root or as "${account.user}", or remove process.user`);
    }
    if (settings.group !== undefined && account.gid !== current.egid) {
      throw privilegeDropError(`process.group: "${settings.group}" is gid ${account.gid} but authgate runs as gid ${current.egid}, and only root can switch groups; start authgate as root or with that group, or remove process.group`);
    }
    return { action: 'keep' };
  }
  if (account.uid === 0) {
    if (settings.allowRoot) return { action: 'keep', warning: `running as root because process.user "${settings.user}" is uid 0 and process.allowRoot is true` };
    throw privilegeDropError(`process.user: "${settings.user}" is uid 0, so nothing would be dropped; name an unprivileged user, or set process.allowRoot: true to run as root (not recommended)`);
  }
  return { action: 'drop', account };
}

/** Problems check-config reports for the process section (unknown user or group). Pure. */
export function processAccountProblems(settings: ProcessSettings, db: AccountDb): AccountProblem[] {
  return resolveAccount(settings, db).problems;
}

/** Non-zero CapPrm/CapEff/CapAmb lines of a /proc/<pid>/status text. Pure. */
export function capabilitiesHeld(status: string): string[] {
  return [...status.matchAll(/^(CapPrm|CapEff|CapAmb):\s*([0-9a-f]+)$/gm)].filter((m) => /[1-9a-f]/.test(m[2]!)).map((m) => `${m[1]} ${m[2]}`);
}

/** The error that stops the start (ERR_PRIVILEGE_DROP). */
export function privilegeDropError(message: string, cause?: unknown): AuthgateError {
  return new AuthgateError('ERR_PRIVILEGE_DROP', message, cause === undefined ? {} : { cause });
}
