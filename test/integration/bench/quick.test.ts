/**
 * The benchmark harness still runs end to end (`node bench/run.ts --quick`): every arm starts
 * (nginx, Apache httpd, authgate, slapd, the upstream), wrk and the other clients produce a result
 * file. No timing is judged here: figures on a CI machine mean nothing.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingTools } from '../../../bench/machine.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

t.test('npm run bench:quick produces a complete result file', async (t) => {
  const missing = missingTools();
  if (missing.length > 0) {
    t.fail(`the benchmark harness needs ${missing.join(', ')}: run bash .ci/install-bench-deps.sh as root (CI does it through .ci/install-test-deps.sh)`);
    return;
  }
  const out = mkdtempSync(path.join(os.tmpdir(), 'authgate-bench-quick-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'run.ts'), '--quick', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    // The harness has its own watchdog; this one only guards against a hung harness process.
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGINT'), 150_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve({ code: c, output: text });
    });
  });
  t.equal(code, 0, `bench/run.ts --quick exits 0\n${output.slice(-3000)}`);
  const files = readdirSync(out).filter((f) => f.endsWith('-quick.json'));
  t.equal(files.length, 1, 'one result file');
  if (files.length !== 1) return;
  const result = JSON.parse(readFileSync(path.join(out, files[0] as string), 'utf8'));
  t.equal(result.mode, 'quick');
  t.same(
    result.arms.map((a: { name: string }) => a.name),
    ['direct', 'nginx', 'apache', 'apache-ldap', 'node-floor', 'authgate-off', 'authgate-session'],
  );
  t.match(result.machine, { cores: Number, node: String, nginx: /nginx/, apache: /Apache/ });
  t.ok(result.load.before.uptime, 'machine load recorded');
  for (const arm of result.arms) {
    t.ok(result.max.summary[arm.name]?.rps.median > 0, `${arm.name}: requests went through`);
    t.equal(result.max.summary[arm.name]?.errors, 0, `${arm.name}: no errors (200 with the 1 KiB body)`);
  }
  t.ok(result.tls.runs.length > 0, 'TLS handshake runs');
  t.ok(result.websocket.echo.every((e: { messages: number }) => e.messages > 0), 'WebSocket echo through every arm');
  t.ok(result.websocket.cycles.every((c: { failures: number }) => c.failures === 0), 'WebSocket open/close cycles without failures');
  t.ok(result.logins.every((l: { logins: number; failures: number }) => l.logins > 0 && l.failures === 0), 'LDAP logins succeeded');
  t.ok(result.idle.every((i: { opened: number; connections: number }) => i.opened === i.connections), 'idle TLS connections all opened');
});
