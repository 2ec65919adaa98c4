/** Counting a process's TCP connections from /proc (Linux), for the test and the benchmark that check LDAP connection reuse. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The socket inodes a process holds (from /proc/<pid>/fd; needs the same user or root). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** ESTABLISHED TCP connections that process `pid` holds to remote port `port` (its client side). */
export function connectionsFrom(pid: number, port: number): number {
  const inodes = socketInodes(pid);
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remote = cols[2] as string;
      if (cols[3] === '01' && parseInt(remote.slice(remote.lastIndexOf(':') + 1), 16) === port && inodes.has(cols[9] as string)) count++;
    }
  }
  return count;
}
