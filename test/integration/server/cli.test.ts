/** The CLI as ops use it: real processes for serve (SIGTERM drain, SIGHUP reload) and in-process runs for the rest. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { main } from '../../../src/cli/main.ts';
import { verifyPassword } from '../../../src/auth/local/index.ts';
import { makeTestCert } from '../../support/tls.ts';
import { startUpstream } from '../../support/upstream.ts';
import { freePort, SECRET_A } from '../../support/authgate.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function runCli(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end(stdin);
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await main(argv, { stdout: out, stderr: err, stdin: input, env, cwd: ROOT });
  return { code, stdout, stderr };
}

t.test('check-config prints every problem at once and exits 1, or prints ok', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-cli-'));
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'listen:\n  prot: 1\n  headersTimeout: 8 hours\nupstream:\n  url: ftp://x\nnetwork:\n  allow: [10.0.0.0/33]\n');
  const r = await runCli(['check-config', '--config', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, `${bad}:2: listen.prot: unknown key; did you mean "port"?`);
  t.match(r.stderr, `${bad}:3: listen.headersTimeout: "8 hours" is not a duration`);
  t.match(r.stderr, `${bad}:5: upstream.url: "ftp://x" is not a valid URL`);
  t.match(r.stderr, `${bad}:7: network.allow[0]: "10.0.0.0/33" is not a CIDR`);
  t.match(r.stderr, /errors in/);
  const cert = makeTestCert('localhost', dir);
  writeFileSync(path.join(dir, 'secrets'), `${SECRET_A}\n`);
  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, `listen: { tls: { certFile: ${cert.certFile}, keyFile: ${cert.keyFile} } }\npublicUrl: https://localhost\nupstream: { url: "http://127.0.0.1:3939" }\nsession: { secretsFile: ${dir}/secrets }\n`);
  const ok = await runCli(['check-config', '--config', good]);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, 'ok\n');
  const mismatched = path.join(dir, 'mismatch.yaml');
  const other = makeTestCert('localhost', mkdtempSync(path.join(os.tmpdir(), 'authgate-cli2-')));
  writeFileSync(mismatched, `listen: { tls: { certFile: ${cert.certFile}, keyFile: ${other.keyFile} } }\nupstream: { url: "http://127.0.0.1:3939" }\nsession: { secretsFile: ${dir}/nope }\n`);
  const m = await runCli(['check-config', '--config', mismatched]);
  t.equal(m.code, 1);
  t.match(m.stderr, /listen\.tls\.keyFile: ".*" does not match the certificate/);
  t.match(m.stderr, /session\.secretsFile: cannot read/);
});

t.test('schema prints a JSON Schema; unknown commands fail with usage', async (t) => {
  const r = await runCli(['schema']);
  t.equal(r.code, 0);
  const schema = JSON.parse(r.stdout);
  t.equal(schema.additionalProperties, false);
  t.ok(schema.properties.listen && schema.properties.upstream && schema.properties.auth);
  const u = await runCli(['frobnicate']);
  t.equal(u.code, 2);
  t.match(u.stderr, /unknown command "frobnicate"/);
});

t.test('hash-password reads stdin, never argv', async (t) => {
  const r = await runCli(['hash-password'], 'correct horse battery staple\n');
  t.equal(r.code, 0);
  t.ok(await verifyPassword('correct horse battery staple', r.stdout.trim()));
  const argv = await runCli(['hash-password', 'secret-on-argv']);
  t.equal(argv.code, 2);
  t.notMatch(argv.stderr, /secret-on-argv/);
  const empty = await runCli(['hash-password'], '\n');
  t.equal(empty.code, 1);
});

t.test('serve: SIGTERM lets an in-flight request finish, then exits 0; SIGHUP with a broken file keeps serving', async (t) => {
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-serve-'));
  const cert = makeTestCert('localhost', dir);
  writeFileSync(path.join(dir, 'secrets'), `${SECRET_A}\n`);
  const port = await freePort();
  const configFile = path.join(dir, 'authgate.yaml');
  const config = `listen: { address: 127.0.0.1, port: ${port}, tls: { certFile: ${cert.certFile}, keyFile: ${cert.keyFile} } }\npublicUrl: https://localhost:${port}\nupstream: { url: "${upstream.url}" }\nsession: { secretsFile: ${dir}/secrets }\nauthorization: { rules: [{ name: open, paths: ["/**"], action: public }] }\nprocess: { allowRoot: true }\n`;
  writeFileSync(configFile, config);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/authgate.js'), 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  const agent = new Agent({ connect: { ca: cert.ca } });
  t.teardown(() => agent.close());
  for (let i = 0; i < 100 && !output.includes('authgate listening'); i++) await new Promise((r) => setTimeout(r, 100));
  t.match(output, /authgate listening/);

  writeFileSync(configFile, 'listen: [broken\n');
  child.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 500));
  t.match(output, /configuration reload refused/);
  const still = await request(`https://localhost:${port}/ok`, { dispatcher: agent });
  t.equal(still.statusCode, 200, 'the old configuration keeps serving');
  await still.body.dump();
  writeFileSync(configFile, config);

  const slow = request(`https://localhost:${port}/slow?ms=1500`, { dispatcher: agent });
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const answer = await slow;
  t.equal(answer.statusCode, 200);
  t.equal(await answer.body.text(), 'slow', 'the in-flight request completed during the drain');
  t.equal(await exited, 0, 'exit code 0 after draining');
  t.match(output, /draining connections/);
  t.ok(readFileSync(configFile, 'utf8').includes('upstream'));
});
