/**
 * A/B comparison of authgate builds, nginx and the bare-Node floor, interleaved in one run so machine
 * noise hits all of them: CPU µs per request (the figure that survives a noisy machine) and
 * req/s, max-throughput wrk runs with 64 connections.
 *
 *   node bench/compare.ts [--baseline <checkout dir>] [--reps 5] [--seconds 8] [--label text] [--idle N]
 *
 * `--baseline` runs a second authgate from another checkout (e.g. a `git worktree` of the commit
 * before a change), so a src/ change gets before/after figures from the same minutes.
 * `--idle N` also opens N idle TLS keep-alive connections to each arm and reports RSS per
 * connection (raise `ulimit -n` first). Writes bench/results/compare-<time>.json (ignored by git:
 * quote its figures in the commit message; see bench/results/README.md).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { makeTestCert } from '../test/support/tls.ts';
import { ROOT, startAuthgateArm, startNginx, startNodeFloor, startUpstreamProcess, type Arm } from './arms.ts';
import { maxThroughput } from './http-phases.ts';
import { loginForm, loginOnce } from './login.ts';
import { killAllStarted } from './proc.ts';
import { summarise } from './stats.ts';
import { runWrk, writeWrkScript } from './wrk.ts';
import { urlOf } from './http-phases.ts';
import { loadSnapshot } from './machine.ts';
import { idleConnections, type IdleResult } from './idle.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function withSession(arm: Arm, agent: Agent): Promise<Arm> {
  const base = `https://127.0.0.1:${arm.port}`;
  arm.refresh = async () => {
    arm.headers = { cookie: await loginOnce(base, agent, await loginForm(base, agent), 'local', 'alice', 'alice-Passw0rd!') };
  };
  await arm.refresh();
  return arm;
}

async function main(): Promise<void> {
  const reps = Number(arg('reps') ?? 5);
  const seconds = Number(arg('seconds') ?? 8);
  const baseline = arg('baseline');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-compare-'));
  const cert = makeTestCert('localhost', dir);
  const agent = new Agent({ connect: { ca: cert.ca, servername: 'localhost' } });
  const arms: Arm[] = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const up = await startUpstreamProcess(dir);
    arms.push(await startNginx(dir, cert, up.port));
    arms.push(await startNodeFloor(cert, up.port));
    arms.push(await startAuthgateArm({ name: 'authgate-off', label: 'authgate, auth off', dir, cert, upstreamPort: up.port, publicAll: true }));
    arms.push(await withSession(await startAuthgateArm({ name: 'authgate-session', label: 'authgate, session', dir, cert, upstreamPort: up.port }), agent));
    if (baseline) {
      arms.push(await startAuthgateArm({ name: 'baseline-off', label: 'baseline, auth off', dir, cert, upstreamPort: up.port, publicAll: true, root: baseline }));
      arms.push(await withSession(await startAuthgateArm({ name: 'baseline-session', label: 'baseline, session', dir, cert, upstreamPort: up.port, root: baseline }), agent));
    }
    const script = writeWrkScript(dir);
    for (const arm of arms) await runWrk({ url: urlOf(arm), script, connections: 64, seconds: 3, headers: arm.headers });
    const load = loadSnapshot();
    const runs = await maxThroughput(arms, { reps, seconds, script, log }, 64);
    const summary = summarise(runs);
    log('\narm                 CPU µs/request median (min–max)     req/s median');
    for (const arm of arms) {
      const s = summary[arm.name];
      if (!s?.cpuUsPerRequest) continue;
      log(`${arm.name.padEnd(20)}${s.cpuUsPerRequest.median.toFixed(1).padStart(7)} (${s.cpuUsPerRequest.min.toFixed(1)}–${s.cpuUsPerRequest.max.toFixed(1)})${Math.round(s.rps.median).toString().padStart(20)}`);
    }
    const idleCount = Number(arg('idle') ?? 0);
    const idle: Array<IdleResult & { arm: string }> = [];
    for (const arm of idleCount > 0 ? arms : []) {
      const r = await idleConnections(arm, cert.ca, { connections: idleCount, parallel: 32, settleMs: 2000 });
      log(`idle ${arm.name}: ${r.opened}/${r.connections}, RSS ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.rssAfterBytes / 2 ** 20).toFixed(1)} MiB = ${(r.bytesPerConnection / 1024).toFixed(1)} KiB/connection`);
      idle.push({ ...r, arm: arm.name });
    }
    const out = path.join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const at = new Date().toISOString();
    const file = path.join(out, `compare-${at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ at, label: arg('label') ?? '', baseline: baseline ?? null, reps, seconds, load: { before: load, after: loadSnapshot() }, summary, runs, idle }, null, 1)}\n`);
    log(`\n${path.relative(ROOT, file)}`);
  } finally {
    await agent.close().catch(() => undefined);
    for (const arm of arms) await arm.stop().catch(() => undefined);
    killAllStarted();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`compare failed: ${(error as Error).stack ?? String(error)}\n`);
    killAllStarted();
    process.exit(1);
  },
);
