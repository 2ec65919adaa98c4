/** Shared bits of the directory-server test helpers: running scripts, checking binaries, free ports. */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../servers');

const INSTALL_HINT = 'install them with `sudo .ci/install-directory-servers.sh` (Debian: apt-get install slapd ldap-utils openssl samba-ad-dc samba-ad-provision)';

/** Throws (so the test fails, never skips) when a binary the server needs is missing. */
export async function requireBinaries(what: string, binaries: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const binary of binaries) {
    const found = await Promise.any(
      ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((dir) => access(path.join(dir, binary), constants.X_OK)),
    ).then(() => true, () => false);
    if (!found) missing.push(binary);
  }
  if (missing.length > 0) throw new Error(`${what} tests need ${missing.join(', ')}, which are not installed: ${INSTALL_HINT}`);
}

export function run(file: string, args: string[], env: Record<string, string>, timeoutMs = 60_000, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice, so it does not clash with other tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Parses the `export A=b C='d'` lines the start scripts write to env.sh. */
/** What both reference scripts (slapd, Samba AD) write to their env.sh, under the same names. */
export interface DirectoryEndpoints {
  ldapUrl: string;
  ldapsUrl: string;
  caFile: string;
  baseDN: string;
  bindDN: string;
  bindPassword: string;
  userPassword: string;
}

export function endpointsFromEnv(vars: Record<string, string>): DirectoryEndpoints {
  return {
    ldapUrl: vars.LDAP_URL as string,
    ldapsUrl: vars.LDAPS_URL as string,
    caFile: vars.LDAPTLS_CACERT as string,
    baseDN: vars.LDAP_BASE_DN as string,
    bindDN: vars.LDAP_BIND_DN as string,
    bindPassword: vars.LDAP_BIND_PW as string,
    userPassword: vars.LDAP_USER_PW as string,
  };
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Z_]+)=('([^']*)'|(\S+))/g)) out[match[1] as string] = (match[3] ?? match[4]) as string;
  return out;
}
