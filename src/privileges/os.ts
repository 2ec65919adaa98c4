/**
 * Privilege drop, the adapter: the operating system. For plain-VM installs started as root (an
 * init script, a manual start), authgate binds its ports and reads its keys, then becomes
 * `process.user` / `process.group` before it serves anything. The only file that reads
 * /etc/passwd and /etc/group and calls setgroups/setgid/setuid.
 *
 * Accounts are looked up in /etc/passwd and /etc/group, which is where `useradd --system` and
 * systemd-sysusers put them; users that only exist in LDAP/SSSD are not seen.
 */
import { readFileSync } from 'node:fs';
import { capabilitiesHeld, privilegeDropError, planPrivileges, processAccountProblems, type AccountDb, type AccountProblem, type Credentials, type PrivilegePlan, type ProcessSettings } from './plan.ts';

/** processAccountProblems against this system's account files (what check-config and serve inject into config validation). */
export function systemAccountProblems(settings: ProcessSettings): AccountProblem[] {
  return processAccountProblems(settings, readAccountDb());
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

function currentCredentials(): Credentials | undefined {
  if (!process.getuid || !process.geteuid || !process.getgid || !process.getegid) return undefined;
  return { uid: process.getuid(), euid: process.geteuid(), gid: process.getgid(), egid: process.getegid() };
}

/** planPrivileges for this process (on a platform without uids, only allowRoot-free settings pass). */
export function planForThisProcess(settings: ProcessSettings): PrivilegePlan {
  const current = currentCredentials();
  if (!current) {
    if (settings.user !== undefined || settings.group !== undefined) throw privilegeDropError('process.user / process.group need a POSIX system (Linux); remove them on this platform');
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
    throw privilegeDropError(`cannot drop privileges to ${target}: ${(error as Error).message}`, error);
  }
  const now = currentCredentials()!;
  const groups = process.getgroups!();
  if (now.uid !== uid || now.euid !== uid || now.gid !== gid || now.egid !== gid || groups.some((g) => g !== gid)) {
    throw privilegeDropError(`privileges were not dropped to ${target}: now uid ${now.uid}/${now.euid}, gid ${now.gid}/${now.egid}, groups [${groups.join(',')}]`);
  }
  let regained = false;
  try {
    process.setuid!(0);
    regained = true;
  } catch {
    // expected: an unprivileged process cannot become root again
  }
  if (regained) throw privilegeDropError(`after dropping to ${target} the process could become root again; refusing to serve`);
  const caps = capabilitiesHeld(readProcStatus());
  if (caps.length > 0) throw privilegeDropError(`after dropping to ${target} the process still holds capabilities (${caps.join(', ')}); refusing to serve`);
}

function readProcStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
