/**
 * The image build without a Docker engine: the Dockerfile's own steps (COPY from a `git
 * ls-files` snapshot filtered by .dockerignore, npm ci + npm run build, then the production
 * install) performed in a clean temporary directory, then the image's ENTRYPOINT + CMD started
 * with the project's Node 24 as the image's USER (when the test runs as root, which also makes
 * the image's files read-only to it, like a read-only root filesystem), its HEALTHCHECK run,
 * and /__authgate__/healthz fetched over HTTPS.
 */
import { letOthersTraverse } from '../../support/traversable.ts';
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { build, dockerignore, exec, inStage, parseDockerfile, type Stage } from './dockerfile-steps.ts';
import { freePort, SECRET_A, writeUsersFile } from '../../support/authgate.ts';
import { makeTestCert } from '../../support/tls.ts';

t.setTimeout(15 * 60_000);

const REPO = path.resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
const work = mkdtempSync(path.join(os.tmpdir(), 'authgate-image-'));
chmodSync(work, 0o755);
const children: ChildProcess[] = [];
t.teardown(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The build context: tracked files (as in a clean clone), minus what .dockerignore excludes. */
function snapshot(): string {
  const context = path.join(work, 'context');
  const ignored = dockerignore(readFileSync(path.join(REPO, '.dockerignore'), 'utf8'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (ignored(file) || !existsSync(path.join(REPO, file))) continue;
    mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
    cpSync(path.join(REPO, file), path.join(context, file));
  }
  return context;
}

const nodeBin = path.dirname(process.execPath);
/** This host's network settings (proxy, CA bundle, ~/.npmrc) carry over to npm, as on a build host. */
const hostNetwork = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && /proxy|ca_?cert|^SSL_CERT_|^npm_config_(cafile|registry|strict_ssl)$/i.test(e[0])),
);
const runEnv = {
  ...hostNetwork,
  HOME: os.homedir(),
  PATH: `${nodeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm'),
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

let stages: Stage[] = [];
let image: Stage;

t.before(async () => {
  const context = snapshot();
  const started = Date.now();
  stages = await build({ instructions: parseDockerfile(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8')), context, workRoot: work, runEnv, buildArgs: { VERSION: 'test', REVISION: 'test' } });
  image = stages.at(-1) as Stage;
  t.comment(`image built in ${Math.round((Date.now() - started) / 1000)}s`);
});

t.test('the build context holds no secrets, certificates or tests', async (t) => {
  const ignored = dockerignore(readFileSync(path.join(REPO, '.dockerignore'), 'utf8'));
  const cases = [
    { file: 'certs/demo-tls.key', excluded: true },
    { file: 'test/support/tls.ts', excluded: true },
    { file: 'config/demo.yaml', excluded: true },
    { file: 'node_modules/jose/package.json', excluded: true },
    { file: '.git/config', excluded: true },
    { file: 'src/tls/server.pem', excluded: true },
    { file: 'src/config/secrets.ts', excluded: false },
    { file: 'src/cli/main.ts', excluded: false },
    { file: 'package-lock.json', excluded: false },
  ];
  for (const c of cases) t.equal(ignored(c.file), c.excluded, c.file);
});

t.test('the image is built the way the issue asks', async (t) => {
  t.equal(stages.length >= 2, true, 'multi-stage');
  const major = process.versions.node.split('.')[0];
  t.match(image.image, new RegExp(`^(node:${major}-|gcr\\.io/distroless/nodejs${major})`), `runtime base image is Node ${major}`);
  t.equal(`v${major}`, `v${/^(\d+)/.exec(pkg.devDependencies.node ?? '')?.[1]}`, 'the same Node major as the node devDependency');
  t.match(image.user ?? '', /^[1-9]\d*(:\d+)?$/, 'USER is a numeric, non-root uid');
  t.ok(image.expose.includes('8443') && image.expose.includes('9090'), 'EXPOSE 8443 and 9090');
  t.ok(image.healthcheck, 'HEALTHCHECK');
  t.same(image.cmd, ['serve', '--config', '/etc/authgate/authgate.yaml'], 'CMD: serve --config /etc/authgate/authgate.yaml');
  t.match(image.entrypoint?.at(-1) ?? '', /bin\/authgate\.js$/, 'the entrypoint is bin/authgate.js');
  for (const label of ['title', 'description', 'licenses', 'version', 'revision']) t.ok(image.labels[`org.opencontainers.image.${label}`], `label org.opencontainers.image.${label}`);
  const app = inStage(image, image.workdir);
  t.ok(existsSync(path.join(app, 'dist/cli/main.js')), 'dist/ is in the image');
  for (const absent of ['src', 'test', 'certs', 'config', 'node_modules/node', 'node_modules/typescript', 'node_modules/tap', 'node_modules/kubernetes-models']) {
    t.notOk(existsSync(path.join(app, absent)), `${absent} is not in the image`);
  }
  for (const dep of Object.keys(pkg.dependencies)) t.ok(existsSync(path.join(app, 'node_modules', dep)), `production dependency ${dep}`);
  const keys = listFiles(image.root).filter((f) => !f.includes('/node_modules/') && /\.(pem|key|crt|p12)$/.test(f));
  t.same(keys, [], 'no key or certificate files outside node_modules');
});

t.test('the image starts as its USER with a read-only root and answers healthz over HTTPS', async (t) => {
  const [uid, gid] = (image.user ?? '').split(':').map(Number) as [number, number | undefined];
  const asRoot = process.getuid?.() === 0;
  // What Kubernetes mounts: the ConfigMap at /etc/authgate and secret files (here, outside the image).
  const secrets = mkdtempSync(path.join(os.tmpdir(), 'authgate-image-secrets-'));
  const cert = makeTestCert('localhost', secrets);
  writeFileSync(path.join(secrets, 'session-secrets'), `${SECRET_A}\n`);
  await writeUsersFile(path.join(secrets, 'users.yaml'), [{ username: 'alice', password: 'alice-Passw0rd!' }]);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const configFile = '/etc/authgate/authgate.yaml';
  mkdirSync(path.dirname(inStage(image, configFile)), { recursive: true });
  writeFileSync(
    inStage(image, configFile),
    stringify({
      listen: { address: '127.0.0.1', port, tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
      publicUrl: 'https://localhost',
      upstream: { url: 'http://127.0.0.1:9' },
      session: { secretsFile: path.join(secrets, 'session-secrets') },
      auth: { providers: [{ type: 'local', name: 'Local', usersFile: path.join(secrets, 'users.yaml') }] },
      metrics: { port: metricsPort, address: '127.0.0.1' },
    }),
  );
  if (asRoot) {
    chmodSync(secrets, 0o755);
    for (const f of readdirSync(secrets)) chownSync(path.join(secrets, f), uid, gid ?? uid);
  }
  t.teardown(() => rmSync(secrets, { recursive: true, force: true }));

  const argv = [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
  t.equal(argv[0], 'node', 'the image runs node');
  const args = argv.slice(1).map((a) => (a.startsWith('/') ? inStage(image, a) : a));
  const env = { ...image.env, PATH: runEnv.PATH, TMPDIR: os.tmpdir() };
  if (asRoot) letOthersTraverse(t, process.execPath, inStage(image, image.workdir));
  const child = spawn(process.execPath, args, { cwd: inStage(image, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? { uid, gid: gid ?? uid } : {}) });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const agent = new Agent({ connect: { ca: cert.ca } });
  t.teardown(() => agent.close());
  let status = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    status = await request(`https://localhost:${port}/__authgate__/healthz`, { dispatcher: agent }).then(
      async (r) => (await r.body.text(), r.statusCode),
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(status, 200, 'GET /__authgate__/healthz answers 200');
  if (status !== 200) t.comment(output);
  if (!asRoot) t.comment('not root: started as this user, so the read-only root filesystem is not emulated');
  t.match(output, /authgate listening/);
  t.notMatch(output, /EACCES|EROFS|permission denied/i, 'nothing tried to write to the image');

  const metrics = await request(`http://127.0.0.1:${metricsPort}/metrics`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
  t.equal(metrics.status, 200, 'metrics on their own port');
  t.match(metrics.body, /authgate_http_requests_total/);

  const [hcFile, ...hcArgs] = image.healthcheck ?? [];
  t.equal(hcFile, 'node', 'the HEALTHCHECK needs only node');
  await t.resolves(
    exec(process.execPath, hcArgs, { cwd: inStage(image, image.workdir), env: { ...env, AUTHGATE_HEALTHCHECK_PORT: String(port) }, timeoutMs: 10_000, where: 'HEALTHCHECK' }),
    'the HEALTHCHECK command succeeds',
  );
  await t.rejects(
    exec(process.execPath, hcArgs, { cwd: inStage(image, image.workdir), env: { ...env, AUTHGATE_HEALTHCHECK_PORT: String(await freePort()) }, timeoutMs: 10_000, where: 'HEALTHCHECK' }),
    'the HEALTHCHECK fails when nothing answers',
  );

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM drains and exits 0');
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}
