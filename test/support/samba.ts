/**
 * Samba as an Active Directory DC for integration tests (test/servers/samba/start.sh).
 *
 * Needs root: Samba listens on the fixed ports 127.0.0.1:389 and :636 (and provisioning
 * writes xattrs/ACLs), so only one instance runs at a time on a machine; a lock directory
 * serialises test files. A cold provision (domain + test users) takes about 7 s; it is
 * done once and kept as a template under os.tmpdir() (SAMBA_TEMPLATE fast path), after
 * which a start takes about 0.3 s. The template name includes a hash of start.sh, so
 * changing the test data re-provisions.
 *
 * Data: realm EXAMPLE.COM, DC=example,DC=com; users alice, bob, carol, dave, eve, frank
 * (disabled) with userPassword; groups Engineering (alice, bob), Admins (carol),
 * Staff (Engineering, dave), Everyone (Staff) in CN=Users; service account svc-app.
 * Strong auth is on (as AD by default): simple binds need TLS.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { endpointsFromEnv, parseEnvFile, requireBinaries, run, SERVERS_DIR, type DirectoryEndpoints } from './directory-tools.ts';

export interface Samba extends DirectoryEndpoints {
  base: string;
  /** Runs samba-tool against this instance (`user show alice`, ...). */
  tool(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const ROOT = path.join(os.tmpdir(), 'authgate-samba');
const LOCK = path.join(ROOT, 'lock');

async function acquireLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 10 * 60_000) await rm(LOCK, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`another test holds the Samba lock ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function startSamba(): Promise<Samba> {
  if (process.getuid?.() !== 0) throw new Error('Samba AD tests must run as root (Samba binds 127.0.0.1:389/636 and provisioning sets xattrs)');
  await requireBinaries('Samba AD', ['samba', 'samba-tool', 'ldapsearch', 'openssl']);
  await mkdir(ROOT, { recursive: true });
  await acquireLock(120_000);
  const script = path.join(SERVERS_DIR, 'samba', 'start.sh');
  const version = createHash('sha256').update(await readFile(script)).digest('hex').slice(0, 12);
  const base = path.join(ROOT, 'run');
  const template = path.join(ROOT, `template-${version}`);
  const env = { SAMBA_BASE: base };
  const stopScript = path.join(SERVERS_DIR, 'samba', 'stop.sh');
  try {
    await run('/bin/bash', [stopScript], env).catch(() => undefined); // a previous run's instance, by its pid file
    const haveTemplate = await stat(path.join(template, 'etc', 'smb.conf')).then(() => true, () => false);
    if (!haveTemplate) {
      await run('/bin/bash', [script], { ...env, SAMBA_PROVISION_ONLY: '1' }, 180_000);
      await rm(template, { recursive: true, force: true });
      await cp(base, template, { recursive: true, preserveTimestamps: true });
    }
    await run('/bin/bash', [script], { ...env, SAMBA_TEMPLATE: template }, 60_000);
  } catch (error) {
    await rm(LOCK, { recursive: true, force: true });
    throw error;
  }
  const vars = parseEnvFile(await readFile(path.join(base, 'env.sh'), 'utf8'));
  return {
    base,
    ...endpointsFromEnv(vars),
    tool: (args) => run('/usr/bin/samba-tool', [...args, '-s', path.join(base, 'etc', 'smb.conf')], {}, 60_000),
    async stop() {
      try {
        await run('/bin/bash', [stopScript], env);
      } finally {
        await rm(LOCK, { recursive: true, force: true });
      }
    },
  };
}
