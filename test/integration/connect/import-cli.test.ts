import t from 'tap';
import { PassThrough } from 'node:stream';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { run } from '../../../src/cli/import-connect.ts';
import type { CliIo } from '../../../src/cli/io.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/connect');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `authgate import-connect ARGS` in-process with cwd = a copy of the fixtures. */
async function importConnect(cwd: string, ...argv: string[]): Promise<Outcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  stderr.on('data', (c: Buffer) => err.push(c.toString('utf8')));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd };
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

async function workdir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'authgate-import-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(fixtures, dir, { recursive: true });
  return dir;
}

t.test('the documented sample: YAML on stdout, the one value to fill in on stderr, exit 2', async (t) => {
  const dir = await workdir(t);
  const r = await importConnect(dir, 'connect-ad-sample.gcfg');
  t.equal(r.code, 2);
  const config = parseYaml(r.stdout) as Record<string, unknown>;
  t.same(Object.keys(config), ['listen', 'upstream', 'session', 'auth', 'authorization']);
  t.match(r.stderr, /To fill in \(1\):\n {2}connect-ad-sample\.gcfg:13: \[LDAP "Sample AD Configuration With Service Credentials"\] ServerAddress: is empty/);
  t.notMatch(r.stderr, /Left out/);
  t.match(r.stderr, /==== Connect-side settings: apply to rstudio-connect\.gcfg ====\n[\s\S]*Provider = proxy[\s\S]*UsernameHeader = X-Auth-Username[\s\S]*==== end of Connect-side settings ====/);
  t.match(r.stderr, /Secrets are not printed/);
  t.notMatch(r.stdout + r.stderr, 'XXXXXXXX', 'the bind password is never printed');
});

t.test('a fully translatable configuration exits 0', async (t) => {
  const dir = await workdir(t);
  const r = await importConnect(dir, 'connect-ldap-complete.gcfg');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /Everything was translated\./);
  t.notMatch(r.stdout + r.stderr, 's3cr3t-Bind');
  const config = parseYaml(r.stdout) as { auth: { providers: Array<Record<string, unknown>> } };
  t.same(config.auth.providers[0]?.['serverAddress'], ['ldap://dc1.example.com:389']);
});

t.test('something left out: listed with the reason, exit 2', async (t) => {
  const dir = await workdir(t);
  const r = await importConnect(dir, 'connect-oauth2.gcfg');
  t.equal(r.code, 2);
  t.match(r.stderr, /Left out \(1\):\n {2}connect-oauth2\.gcfg:18: \[OAuth2\] UniqueIdClaim: authgate reads the "sub" claim/);
  t.notMatch(r.stdout + r.stderr, '2ab7be07-84fe-4569-b04a-ce8f1ebfc077', 'the client secret is never printed');
});

t.test('a syntax error names file, line and column, exit 1', async (t) => {
  const dir = await workdir(t);
  const r = await importConnect(dir, 'connect-syntax-error.gcfg');
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'authgate import-connect: syntax error: connect-syntax-error.gcfg:4:10: unterminated quoted value: close it on the same line (use \\n for a newline or a trailing backslash to continue)\n');
});

t.test('--write-secrets writes 0600 files and points the *File keys at them; --output writes the YAML', async (t) => {
  const dir = await workdir(t);
  const r = await importConnect(dir, 'connect-ldap-complete.gcfg', '--write-secrets', 'secrets', '--output', 'authgate.yaml');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '', 'the YAML went to the file');
  const config = parseYaml(await readFile(path.join(dir, 'authgate.yaml'), 'utf8')) as { session: Record<string, string>; auth: { providers: Array<Record<string, string>> } };
  const passwordFile = config.auth.providers[0]?.['bindPasswordFile'] ?? '';
  t.equal(passwordFile, path.join(dir, 'secrets', 'corporate-ad-bind-password'));
  t.equal(config.session['secretsFile'], path.join(dir, 'secrets', 'session-secrets'));
  t.equal(await readFile(passwordFile, 'utf8'), 's3cr3t-Bind;Pass#word\n');
  t.equal((await stat(passwordFile)).mode & 0o777, 0o600);
  const session = config.session['secretsFile'] ?? '';
  t.equal((await stat(session)).mode & 0o777, 0o600);
  t.ok((await readFile(session, 'utf8')).trim().length >= 43, 'a generated session secret of at least 32 bytes');
  t.match(r.stderr, /Secrets \(files readable by their owner only, mode 0600\):/);
  t.notMatch(r.stderr, 's3cr3t-Bind');
});

t.test('CRLF and a BOM are read like LF', async (t) => {
  const dir = await workdir(t);
  const lf = await readFile(path.join(dir, 'connect-ad-sample.gcfg'), 'utf8');
  await writeFile(path.join(dir, 'windows.gcfg'), `\uFEFF${lf.replace(/\n/g, '\r\n')}`);
  const [a, b] = [await importConnect(dir, 'connect-ad-sample.gcfg'), await importConnect(dir, 'windows.gcfg')];
  t.equal(b.code, 2);
  t.same(parseYaml(b.stdout), parseYaml(a.stdout));
});

const usageErrors: Array<[string, string[], RegExp]> = [
  ['no FILE', [], /missing FILE/],
  ['two FILEs', ['a.gcfg', 'b.gcfg'], /give exactly one FILE/],
  ['an unknown option', ['connect-ad-sample.gcfg', '--frobnicate'], /Unknown option '--frobnicate'/],
  ['a file that does not exist', ['nope.gcfg'], /cannot read nope\.gcfg \(no such file\)/],
];

t.test('usage errors exit 1', async (t) => {
  const dir = await workdir(t);
  for (const [name, argv, message] of usageErrors) {
    t.test(name, async (t) => {
      const r = await importConnect(dir, ...argv);
      t.equal(r.code, 1);
      t.match(r.stderr, message);
      t.equal(r.stdout, '');
    });
  }
});

t.test('--help', async (t) => {
  const r = await importConnect(process.cwd(), '--help');
  t.equal(r.code, 0);
  t.match(r.stdout, /^Usage: authgate import-connect FILE \[--write-secrets DIR\] \[--output FILE\]/);
});
