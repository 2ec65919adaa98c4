/**
 * The arms of the benchmark: the upstream itself (direct), nginx, Apache httpd and authgate, each
 * started from a template in bench/configs/ or a generated YAML file, the proxy pinned to
 * PROXY_CPU. Every arm answers the same path with the same 1 KiB body from the same upstream.
 */
import { readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, type DirectoryEndpoints } from '../test/support/directory-tools.ts';
import { slapdProviderInput, type Slapd } from '../test/support/slapd.ts';
import { startPinned, waitForPort, PROXY_CPU, LOAD_CPU, type Started } from './proc.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(HERE);

export interface Cert {
  certFile: string;
  keyFile: string;
  ca: string;
}

export interface Arm {
  name: string;
  /** What the chart and tables call it. */
  label: string;
  scheme: 'http' | 'https';
  port: number;
  /** Request path (Apache's LDAP-protected location lives under /auth/). */
  path: string;
  /** Extra request headers (session cookie, Basic credentials). */
  headers: Record<string, string>;
  /** Process whose tree is the proxy under test (absent for direct). */
  pid?: number;
  /**
   * Called before every measured run: the session arm logs in again, because wrk keeps sending
   * the cookie it was given while a browser takes each renewed one (after touchInterval, 5 min
   * by default, every request with a stale cookie is re-sealed: see docs/benchmarks.md).
   */
  refresh?: () => Promise<void>;
  /** The process we measure for per-connection memory (nginx: its worker; else the pid). */
  memoryPid?: () => number;
  stop(): Promise<void>;
}

/** The benchmark's slapd (Apache's mod_authnz_ldap uses its plain port, authgate its ldaps URL). */
export type Directory = DirectoryEndpoints & Pick<Slapd, 'ldapPort'>;

function fill(template: string, values: Record<string, string | number>): string {
  // Comment lines are dropped first (they may mention {{NAME}} themselves).
  const body = template
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return body.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`bench config template: no value for {{${key}}}`);
    return String(values[key]);
  });
}

export async function startUpstreamProcess(dir: string): Promise<{ port: number; proc: Started }> {
  const port = await freePort();
  const proc = startPinned(LOAD_CPU, process.execPath, [path.join(HERE, 'upstream.ts'), String(port)], { cwd: dir });
  await waitForPort(port, 15_000, 'bench upstream', proc.output);
  return { port, proc };
}

export function directArm(upstreamPort: number): Arm {
  return { name: 'direct', label: 'direct (no proxy, no TLS)', scheme: 'http', port: upstreamPort, path: '/', headers: {}, stop: async () => undefined };
}

export async function startNginx(dir: string, cert: Cert, upstreamPort: number): Promise<Arm> {
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, fill(readFileSync(path.join(HERE, 'configs', 'nginx.conf'), 'utf8'), { DIR: dir, PORT: port, UPSTREAM_PORT: upstreamPort, CERT: cert.certFile, KEY: cert.keyFile }));
  const proc = startPinned(PROXY_CPU, '/usr/sbin/nginx', ['-c', conf, '-p', dir]);
  await waitForPort(port, 15_000, 'nginx', proc.output);
  const worker = () => {
    const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return Number(children[0] ?? proc.pid);
  };
  return { name: 'nginx', label: 'nginx (plain proxy)', scheme: 'https', port, path: '/', headers: {}, pid: proc.pid, memoryPid: worker, stop: () => proc.stop() };
}

/** One Apache serving two arms: plain proxy on /, LDAP Basic authentication on /auth/. */
export async function startApache(dir: string, cert: Cert, upstreamPort: number, ldap: Directory, user: string): Promise<{ plain: Arm; auth: Arm }> {
  const port = await freePort();
  const apacheDir = path.join(dir, 'apache');
  mkdirSync(apacheDir, { recursive: true });
  chmodSync(apacheDir, 0o777);
  const conf = path.join(apacheDir, 'httpd.conf');
  const [u, g] = process.getuid?.() === 0 ? ['www-data', 'www-data'] : [process.env.USER ?? 'nobody', String(process.getgid?.() ?? 'nogroup')];
  writeFileSync(
    conf,
    fill(readFileSync(path.join(HERE, 'configs', 'httpd.conf'), 'utf8'), {
      DIR: apacheDir,
      PORT: port,
      UPSTREAM_PORT: upstreamPort,
      CERT: cert.certFile,
      KEY: cert.keyFile,
      LDAP_PORT: ldap.ldapPort,
      BASE_DN: ldap.baseDN,
      BIND_DN: ldap.bindDN,
      BIND_PW: ldap.bindPassword,
      USER: u as string,
      GROUP: g as string,
    }),
  );
  const proc = startPinned(PROXY_CPU, '/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND'], { env: { ...process.env, APACHE_RUN_DIR: apacheDir, APACHE_LOCK_DIR: apacheDir, APACHE_LOG_DIR: apacheDir } });
  await waitForPort(port, 15_000, 'Apache httpd', () => proc.output() + safeRead(path.join(apacheDir, 'httpd-error.log')));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proc.stop();
  };
  const basic = `Basic ${Buffer.from(`alice:${ldap.userPassword}`).toString('base64')}`;
  return {
    plain: { name: 'apache', label: 'Apache httpd (plain proxy)', scheme: 'https', port, path: '/', headers: {}, pid: proc.pid, stop },
    auth: { name: 'apache-ldap', label: 'Apache httpd (mod_authnz_ldap, cached)', scheme: 'https', port, path: '/auth/', headers: { authorization: basic }, pid: proc.pid, stop },
  };
}

/** bench/node-floor.ts: Node's https server + undici through authgate's forward adapter, nothing else. */
export async function startNodeFloor(cert: Cert, upstreamPort: number): Promise<Arm> {
  const port = await freePort();
  const proc = startPinned(PROXY_CPU, process.execPath, [path.join(HERE, 'node-floor.ts'), String(port), String(upstreamPort), cert.certFile, cert.keyFile]);
  await waitForPort(port, 15_000, 'node floor', proc.output);
  return { name: 'node-floor', label: 'bare Node https + undici (floor)', scheme: 'https', port, path: '/', headers: {}, pid: proc.pid, stop: () => proc.stop() };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface AuthgateArmOptions {
  name: string;
  label: string;
  dir: string;
  cert: Cert;
  upstreamPort: number;
  /** A public rule for /** (authentication off). */
  publicAll?: boolean;
  ldap?: Directory;
  /** Extra node flags (--cpu-prof …). */
  nodeFlags?: string[];
  /** Another checkout to run authgate from (before/after comparisons); default this one. */
  root?: string;
}

/** authgate as a child process (`authgate serve`), pinned; local accounts (and LDAP when given). */
export async function startAuthgateArm(o: AuthgateArmOptions): Promise<Arm> {
  const dir = path.join(o.dir, o.name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(path.join(dir, 'secrets'), 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH\n', { mode: 0o600 });
  const { hashPassword } = await import('../src/auth/local/index.ts');
  writeFileSync(path.join(dir, 'users.yaml'), stringify({ users: [{ username: 'alice', passwordHash: await hashPassword('alice-Passw0rd!', { ln: 10, r: 8, p: 1 }), email: 'alice@example.com', groups: ['analysts', 'rstudio-users'], role: 'publisher' }] }));
  const providers: unknown[] = [{ type: 'local', id: 'local', name: 'Local accounts', usersFile: path.join(dir, 'users.yaml') }];
  if (o.ldap) {
    writeFileSync(path.join(dir, 'bind-password'), `${o.ldap.bindPassword}\n`, { mode: 0o600 });
    // The tests' slapd provider section, with nested groups (the benchmark's slapd computes memberOf with dynlist).
    providers.push(slapdProviderInput(o.ldap, { bindPasswordFile: path.join(dir, 'bind-password') }, { id: 'corp', name: 'Directory', nestedGroups: true }));
  }
  const config = {
    listen: { address: '127.0.0.1', port, tls: { certFile: o.cert.certFile, keyFile: o.cert.keyFile, minVersion: 'TLSv1.3' }, keepAliveTimeout: '120s' },
    // The benchmark connects to 127.0.0.1 (wrk, undici, ws): the Host authgate must accept.
    publicUrl: `https://127.0.0.1:${port}`,
    upstream: { url: `http://127.0.0.1:${o.upstreamPort}`, profile: 'connect' },
    session: { secretsFile: path.join(dir, 'secrets') },
    auth: { providers },
    ...(o.publicAll ? { authorization: { rules: [{ name: 'everything-public', paths: ['/**'], action: 'public' }] } } : {}),
    logging: { level: 'warn', accessLog: false },
    audit: { file: path.join(dir, 'audit.log') },
    ...(process.getuid?.() === 0 ? { process: { allowRoot: true } } : {}),
  };
  const configFile = path.join(dir, 'authgate.yaml');
  writeFileSync(configFile, stringify(config));
  const proc = startPinned(PROXY_CPU, process.execPath, [...(o.nodeFlags ?? []), path.join(o.root ?? ROOT, 'bin', 'authgate.js'), 'serve', '--config', configFile], { cwd: dir });
  await waitForPort(port, 20_000, `authgate (${o.name})`, proc.output);
  return { name: o.name, label: o.label, scheme: 'https', port, path: '/', headers: {}, pid: proc.pid, stop: () => proc.stop() };
}
