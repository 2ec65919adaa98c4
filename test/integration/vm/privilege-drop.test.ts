/**
 * A plain-VM start as root: `authgate serve` binds its ports (one of them privileged), reads its
 * keys, then runs as `process.user: nobody`; certificate hot reload keeps working after the drop;
 * bad or missing process settings stop it at start with a clear message. Needs root (CI is root).
 */
import { letOthersTraverse } from '../../support/traversable.ts';
import t, { type Test } from 'tap';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { makeTestCert, type TestCert } from '../../support/tls.ts';
import { freePort, SECRET_A } from '../../support/authgate.ts';
import { readAccountDb, resolveAccount } from '../../../src/privileges/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const NEEDS_ROOT = 'needs root: these tests start authgate as root and check that it drops to "nobody"; run them as root (CI runs as root)';

function preconditions(t: Test): boolean {
  if (process.getuid?.() !== 0) {
    t.fail(NEEDS_ROOT);
    return false;
  }
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    t.fail('the openssl command is missing: install the Debian package openssl');
    return false;
  }
  return true;
}

function nobody(): { uid: number; gid: number } {
  const { account, problems } = resolveAccount({ user: 'nobody', allowRoot: false }, readAccountDb());
  if (!account) throw new Error(`no "nobody" account on this system: ${JSON.stringify(problems)}`);
  return account;
}

/** A file only `owner` can read, as the docs ask for keys and secrets. */
function ownedFile(file: string, text: string, owner: { uid: number; gid: number }): void {
  writeFileSync(file, text, { mode: 0o600 });
  chownSync(file, owner.uid, owner.gid);
}

/** A free port below 1024, which only root (or CAP_NET_BIND_SERVICE) may bind. */
async function freePrivilegedPort(): Promise<number> {
  for (let port = 600 + Math.floor(Math.random() * 300); port < 1024; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 1024');
}

interface Setup {
  dir: string;
  cert: TestCert;
  port: number;
  configFile: string;
}

async function setup(process: Record<string, unknown> | undefined, extraListen = ''): Promise<Setup> {
  const owner = nobody();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-vm-'));
  chmodSync(dir, 0o755); // nobody must traverse it to re-read the certificate after the drop
  const cert = makeTestCert('localhost', dir);
  for (const file of [cert.certFile, cert.keyFile]) chownSync(file, owner.uid, owner.gid);
  chmodSync(cert.keyFile, 0o600);
  ownedFile(path.join(dir, 'secrets'), `${SECRET_A}\n`, owner);
  const port = await freePort();
  const configFile = path.join(dir, 'authgate.yaml');
  const text = [
    `listen: { address: 127.0.0.1, port: ${port}, tls: { certFile: ${cert.certFile}, keyFile: ${cert.keyFile} }${extraListen} }`,
    `publicUrl: https://localhost:${port}`,
    'upstream: { url: "http://127.0.0.1:9" }',
    `session: { secretsFile: ${dir}/secrets }`,
    'auth: { providers: [] }',
    ...(process ? [`process: ${JSON.stringify(process)}`] : []),
    '',
  ].join('\n');
  ownedFile(configFile, text, owner); // SIGHUP re-reads it as nobody
  return { dir, cert, port, configFile };
}

function serve(t: Test, configFile: string, as?: { uid: number; gid: number }) {
  if (as) letOthersTraverse(t, process.execPath, path.join(ROOT, 'bin/authgate.js'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/authgate.js'), 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], ...(as ? { uid: as.uid, gid: as.gid } : {}) });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const waitFor = async (pattern: RegExp, ms = 15_000) => {
    for (let waited = 0; waited < ms && !pattern.test(output) && child.exitCode === null; waited += 100) await new Promise((r) => setTimeout(r, 100));
    return pattern.test(output);
  };
  return { child, exited, output: () => output, waitFor };
}

function ids(status: string, field: 'Uid' | 'Gid' | 'Groups'): number[] {
  const line = new RegExp(`^${field}:(.*)$`, 'm').exec(status)?.[1] ?? '';
  return line.trim() === '' ? [] : line.trim().split(/\s+/).map(Number);
}

async function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** Writes the pair next to the originals, then renames over them (what certbot/cert-manager style tools do). */
function replacePair(target: TestCert, from: TestCert, owner: { uid: number; gid: number } | undefined): void {
  for (const [src, dst] of [[from.certFile, target.certFile], [from.keyFile, target.keyFile]] as const) {
    const tmp = `${dst}.new`;
    writeFileSync(tmp, readFileSync(src), { mode: 0o600 });
    if (owner) chownSync(tmp, owner.uid, owner.gid);
    renameSync(tmp, dst);
  }
}

t.test('started as root: binds a privileged port, drops to nobody, serves HTTPS, reloads replaced certificates', async (t) => {
  if (!preconditions(t)) return;
  const owner = nobody();
  const redirectPort = await freePrivilegedPort();
  const s = await setup({ user: 'nobody' }, `, httpRedirectPort: ${redirectPort}`);
  const run = serve(t, s.configFile);
  t.ok(await run.waitFor(/authgate listening/), `authgate started:\n${run.output()}`);
  t.match(run.output(), /dropped root privileges after binding the ports/);

  const status = readFileSync(`/proc/${run.child.pid}/status`, 'utf8');
  t.same(ids(status, 'Uid'), [owner.uid, owner.uid, owner.uid, owner.uid], 'real, effective, saved and filesystem uid are nobody');
  t.same(ids(status, 'Gid'), [owner.gid, owner.gid, owner.gid, owner.gid], 'every gid is nobody\'s group');
  t.ok(ids(status, 'Groups').every((g) => g === owner.gid), `supplementary groups cleared: ${/^Groups:.*$/m.exec(status)?.[0]}`);
  t.match(status, /^CapEff:\s+0+$/m, 'no effective capability left');

  const agent = new Agent({ connect: { ca: s.cert.ca } });
  t.teardown(() => agent.close());
  const health = await request(`https://localhost:${s.port}/__authgate__/healthz`, { dispatcher: agent });
  t.equal(health.statusCode, 200, 'HTTPS answers after the drop');
  await health.body.dump();
  const redirect = await request(`http://127.0.0.1:${redirectPort}/x`, {});
  t.equal(redirect.statusCode, 308, `the redirect listener on privileged port ${redirectPort} was bound before the drop`);
  await redirect.body.dump();

  const original = new X509Certificate(readFileSync(s.cert.certFile)).fingerprint256;
  t.equal(await servedFingerprint(s.port), original);

  // Replaced by files only root can read: the unprivileged process keeps the old pair and says why.
  const unreadable = makeTestCert('localhost', mkdtempSync(path.join(os.tmpdir(), 'authgate-vm-root-')));
  replacePair(s.cert, unreadable, undefined);
  t.ok(await run.waitFor(/new certificate files are not usable yet/), 'an unreadable replacement is reported');
  t.equal(await servedFingerprint(s.port), original, 'the previous certificate keeps serving');

  // Replaced by files nobody can read: served without a restart.
  const renewed = makeTestCert('localhost', mkdtempSync(path.join(os.tmpdir(), 'authgate-vm-new-')));
  const expected = new X509Certificate(readFileSync(renewed.certFile)).fingerprint256;
  replacePair(s.cert, renewed, owner);
  let served = '';
  for (let i = 0; i < 100 && served !== expected; i++) {
    await new Promise((r) => setTimeout(r, 150));
    served = await servedFingerprint(s.port);
  }
  t.equal(served, expected, 'the renewed certificate is served after the drop');
  t.match(run.output(), /TLS certificate reloaded/);

  run.child.kill('SIGHUP');
  t.ok(await run.waitFor(/configuration reloaded/), 'SIGHUP re-reads the configuration and secrets as nobody');

  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0, 'SIGTERM drains and exits 0');
});

const refusals: { name: string; process: Record<string, unknown> | undefined; message: RegExp }[] = [
  { name: 'a user that does not exist', process: { user: 'authgate-no-such-user' }, message: /process\.user: "authgate-no-such-user" does not exist on this system/ },
  { name: 'a group that does not exist', process: { user: 'nobody', group: 'authgate-no-such-group' }, message: /process\.group: "authgate-no-such-group" does not exist on this system/ },
  { name: 'root without process.user', process: undefined, message: /running as root and process\.user is not set: set process\.user .* or set process\.allowRoot: true/ },
  { name: 'process.user naming root', process: { user: 'root' }, message: /process\.user: "root" is uid 0.*process\.allowRoot: true/ },
];

t.test('refused at start with a clear message and exit code 1, before binding anything', async (t) => {
  if (!preconditions(t)) return;
  for (const c of refusals) {
    t.test(c.name, async (t) => {
      const s = await setup(c.process);
      const run = serve(t, s.configFile);
      t.equal(await run.exited, 1, run.output());
      t.match(run.output(), c.message);
      t.notMatch(run.output(), /authgate listening/);
      const connected = await new Promise<boolean>((resolve) => {
        const socket = net.connect(s.port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      t.notOk(connected, 'nothing listens on the port');
    });
  }
});

t.test('process.allowRoot: true keeps root, with a warning', async (t) => {
  if (!preconditions(t)) return;
  const s = await setup({ allowRoot: true });
  const run = serve(t, s.configFile);
  t.ok(await run.waitFor(/authgate listening/), run.output());
  t.match(run.output(), /running as root because process\.allowRoot is true/);
  t.same(ids(readFileSync(`/proc/${run.child.pid}/status`, 'utf8'), 'Uid'), [0, 0, 0, 0]);
  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0);
});

const unprivileged: { name: string; process: Record<string, unknown> | undefined; starts: boolean; message: RegExp }[] = [
  { name: 'no process section: runs as it was started (the systemd unit\'s way)', process: undefined, starts: true, message: /authgate listening/ },
  { name: 'process.user naming the user it already is', process: { user: 'nobody' }, starts: true, message: /authgate listening/ },
  { name: 'process.user naming another user: only root can switch', process: { user: 'root' }, starts: false, message: /process\.user: "root" is uid 0 but authgate runs as uid \d+, and only root can switch users/ },
];

t.test('started as an unprivileged user (like the systemd unit, without root)', async (t) => {
  if (!preconditions(t)) return;
  for (const c of unprivileged) {
    t.test(c.name, async (t) => {
      const s = await setup(c.process);
      const run = serve(t, s.configFile, nobody());
      if (c.starts) {
        t.ok(await run.waitFor(c.message), run.output());
        t.notMatch(run.output(), /dropped root privileges/);
        t.same(ids(readFileSync(`/proc/${run.child.pid}/status`, 'utf8'), 'Uid'), Array(4).fill(nobody().uid));
        run.child.kill('SIGTERM');
        t.equal(await run.exited, 0);
      } else {
        t.equal(await run.exited, 1, run.output());
        t.match(run.output(), c.message);
      }
    });
  }
});
