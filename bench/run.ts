/**
 * The benchmark: authgate beside nginx and Apache httpd, same machine, same run.
 *
 *   npm run bench          full run (≈ 20 min), writes bench/results/<time>-full.json and docs/benchmarks.{md,svg}
 *   npm run bench:quick    seconds per arm; proves the harness still runs (no timing is judged)
 *   node bench/run.ts [--quick] [--out DIR] [--no-render] [--only PHASES]
 *
 * `--only logins,idle` runs just those phases (max, fixed, tls, ws, cycles, logins, idle; fixed
 * needs max) and writes a `-partial.json` without rendering docs: for iterating on one target
 * (ignored by git; only the latest full run is committed, see bench/results/README.md).
 *
 * Proxies run pinned to core 1; wrk, the WebSocket/login clients (this process) and the upstream
 * to core 0. Needs nginx, apache2, wrk, slapd (`.ci/install-bench-deps.sh`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { makeTestCert } from '../test/support/tls.ts';
import { startSlapd, type Slapd } from '../test/support/slapd.ts';
import { ROOT, directArm, startApache, startAuthgateArm, startNginx, startNodeFloor, startUpstreamProcess, type Arm } from './arms.ts';
import { calibrate, fixedRate, handshakes, maxThroughput, urlOf, type HttpRun } from './http-phases.ts';
import { idleConnections, type IdleResult } from './idle.ts';
import { loginForm, loginOnce } from './login.ts';
import { loginLoad, type LoginResult } from './logins.ts';
import { loadSnapshot, machineFacts, missingTools } from './machine.ts';
import { killAllStarted, LOAD_CPU, type Started } from './proc.ts';
import { summarise } from './stats.ts';
import { echoThroughput, openCloseCycles, type CycleResult, type EchoResult } from './websocket.ts';
import { runWrk, writeWrkScript } from './wrk.ts';
import { renderDocs } from './render.ts';

const quick = process.argv.includes('--quick');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? path.resolve(process.argv[outIndex + 1] as string) : path.join(ROOT, 'bench', 'results');
const PHASES = ['max', 'fixed', 'tls', 'ws', 'cycles', 'logins', 'idle'] as const;
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? (process.argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) : undefined;
const unknownPhases = (only ?? []).filter((p) => !(PHASES as readonly string[]).includes(p));
if (unknownPhases.length > 0 || (only && only.length === 0)) throw new Error(`--only takes a comma-separated list of ${PHASES.join(', ')}; got ${JSON.stringify(only)}`);
if (only?.includes('fixed') && !only.includes('max')) throw new Error('--only fixed needs max too (the fixed rate is half of nginx\'s max)');
const phase = (name: (typeof PHASES)[number]): boolean => only === undefined || only.includes(name);
const render = !quick && !only && !process.argv.includes('--no-render');

const S = quick
  ? { reps: 1, seconds: 1, warmSeconds: 0, tlsSeconds: 1, wsSeconds: 1, cycles: 100, idle: 100, loginSeconds: 1, concurrency: [1, 16], maxMinutes: 4 }
  : { reps: 3, seconds: 10, warmSeconds: 3, tlsSeconds: 5, wsSeconds: 5, cycles: 10_000, idle: 10_000, loginSeconds: 10, concurrency: [1, 16, 64], maxMinutes: 40 };

/** Re-executes under a raised descriptor limit and pinned to the load core (children inherit both). */
function reexec(): never {
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec taskset -c "$BENCH_LOAD_CPU" "$@"';
  const r = spawnSync('bash', ['-c', script, 'bench', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, AUTHGATE_BENCH_CHILD: '1', BENCH_LOAD_CPU: String(LOAD_CPU) },
  });
  process.exit(r.status ?? 1);
}

/** slapd daemonises itself (not a tracked child): a signal handler must stop it explicitly. */
let activeSlapd: Slapd | undefined;

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** One request with the arm's headers must give 200 and the upstream's 1 KiB body, else the arm measures the wrong thing. */
async function probe(arm: Arm, agent: Agent): Promise<void> {
  const answer = await request(urlOf(arm), { dispatcher: agent, headers: arm.headers });
  const body = await answer.body.arrayBuffer();
  if (answer.statusCode !== 200 || body.byteLength !== 1024) throw new Error(`arm ${arm.name}: expected 200 with 1024 bytes, got ${answer.statusCode} with ${body.byteLength}`);
}

async function main(): Promise<void> {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`the benchmark needs: ${missing.join(', ')}; install them with: bash .ci/install-bench-deps.sh (as root)`);
  const started = new Date();
  const loadBefore = loadSnapshot();
  log(`authgate benchmark (${quick ? 'quick' : 'full'}); load: ${loadBefore.uptime}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-bench-'));
  const cert = makeTestCert('localhost', dir);
  const script = writeWrkScript(dir);
  const arms: Arm[] = [];
  let upstream: Started | undefined;
  let slapd: Slapd | undefined;
  const agent = new Agent({ connect: { ca: cert.ca, servername: 'localhost' } });
  try {
    slapd = await startSlapd({ memberOf: 'dynlist' });
    activeSlapd = slapd;
    const ldapsPort = Number(new URL(slapd.ldapsUrl).port);
    const up = await startUpstreamProcess(dir);
    upstream = up.proc;
    const direct = directArm(up.port);
    const nginx = await startNginx(dir, cert, up.port);
    const apache = await startApache(dir, cert, up.port, slapd, 'alice');
    const off = await startAuthgateArm({ name: 'authgate-off', label: 'authgate, auth off (public /**)', dir, cert, upstreamPort: up.port, publicAll: true });
    const auth = await startAuthgateArm({ name: 'authgate-session', label: 'authgate, session cookie', dir, cert, upstreamPort: up.port, ldap: slapd });
    const floor = await startNodeFloor(cert, up.port);
    arms.push(direct, nginx, apache.plain, apache.auth, floor, off, auth);
    const base = `https://127.0.0.1:${auth.port}`;
    auth.refresh = async () => {
      auth.headers = { cookie: await loginOnce(base, agent, await loginForm(base, agent), 'local', 'alice', 'alice-Passw0rd!') };
    };
    await auth.refresh();
    for (const arm of arms) await probe(arm, agent);
    log(`arms ready: ${arms.map((a) => `${a.name}:${a.port}`).join(' ')}`);

    const settings = { reps: S.reps, seconds: S.seconds, script, log };
    // Warm-up (JIT, pools, caches), not recorded.
    for (const arm of S.warmSeconds > 0 && (phase('max') || phase('tls')) ? arms : []) await runWrk({ url: urlOf(arm), script, connections: 64, seconds: S.warmSeconds, headers: arm.headers });
    const max = phase('max') ? await maxThroughput(arms, settings, 64) : [];
    const maxSummary = summarise(max);
    const nginxMax = maxSummary.nginx?.rps.median ?? 10_000;
    const targetRps = Math.round(nginxMax / 2);
    const delayMs = 10;
    let fixedConnections = 0;
    let fixed: HttpRun[] = [];
    if (phase('fixed')) {
      fixedConnections = await calibrate(direct, settings, targetRps, delayMs);
      log(`fixed rate: target ${targetRps} req/s (half of nginx's median max) = ${fixedConnections} connections × ${delayMs} ms delay`);
      fixed = await fixedRate(arms, settings, fixedConnections, delayMs);
    }
    // Half of nginx's max is above what one Node core serves with a session: also measure at half
    // of authgate's own max, where added latency is latency and not queueing.
    const lowRps = Math.round((maxSummary['authgate-session']?.rps.median ?? 10_000) / 2);
    let lowConnections = 0;
    let fixedLow: HttpRun[] = [];
    if (phase('fixed')) {
      lowConnections = await calibrate(direct, settings, lowRps, delayMs);
      log(`fixed rate below saturation: target ${lowRps} req/s (half of authgate's session max) = ${lowConnections} connections × ${delayMs} ms delay`);
      fixedLow = await fixedRate(arms, settings, lowConnections, delayMs);
    }
    const tls = phase('tls')
      ? await handshakes(
          arms.filter((a) => a.scheme === 'https' && a.name !== 'apache-ldap'),
          { ...settings, seconds: S.tlsSeconds },
          16,
        )
      : [];

    const wsArms = [direct, nginx, apache.plain, off, auth];
    const echo: Array<EchoResult & { arm: string; rep: number }> = [];
    for (let rep = 0; rep < (phase('ws') ? S.reps : 0); rep++) {
      for (const arm of wsArms) {
        const r = await echoThroughput(arm, cert.ca, { sockets: 100, seconds: S.wsSeconds, messageBytes: 1024, window: 4 });
        log(`ws #${rep} ${arm.name.padEnd(17)} ${Math.round(r.messagesPerSecond)} msg/s ${r.mbPerSecond.toFixed(1)} MB/s${r.proxyCpuUsPerMessage !== undefined ? ` cpu ${r.proxyCpuUsPerMessage.toFixed(1)} µs/msg` : ''}`);
        echo.push({ ...r, arm: arm.name, rep });
      }
    }
    const cycles: Array<CycleResult & { arm: string }> = [];
    for (const arm of phase('cycles') ? [auth, nginx] : []) {
      const r = await openCloseCycles(arm, cert.ca, { cycles: S.cycles, parallel: 20, settleMs: 1500 });
      log(`ws cycles ${arm.name}: ${r.cycles} in ${r.seconds.toFixed(1)} s, fds ${r.fdsBefore} -> ${r.fdsAfter}, failures ${r.failures}`);
      cycles.push({ ...r, arm: arm.name });
    }

    const logins: LoginResult[] = [];
    for (const concurrency of phase('logins') ? S.concurrency : []) {
      const r = await loginLoad(auth, cert.ca, { concurrency, seconds: S.loginSeconds, ldapPort: slapd.ldapPort, ldapsPort, username: 'alice', password: slapd.userPassword });
      log(`logins c=${concurrency}: ${r.loginsPerSecond.toFixed(0)}/s p99 ${r.p99Ms.toFixed(1)} ms, LDAP connections ≤ ${r.maxLdapConnections}, failures ${r.failures}${r.firstError ? ` (${r.firstError})` : ''}`);
      logins.push(r);
    }

    const idle: Array<IdleResult & { arm: string }> = [];
    for (const arm of phase('idle') ? [auth, nginx] : []) {
      const r = await idleConnections(arm, cert.ca, { connections: S.idle, parallel: 32, settleMs: 2000 });
      log(`idle ${arm.name}: ${r.opened}/${r.connections} open, RSS ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.rssAfterBytes / 2 ** 20).toFixed(1)} MiB = ${(r.bytesPerConnection / 1024).toFixed(1)} KiB/connection`);
      idle.push({ ...r, arm: arm.name });
    }

    const result = {
      version: 1,
      mode: only ? 'partial' : quick ? 'quick' : 'full',
      ...(only ? { phases: only } : {}),
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machineFacts(),
      load: { before: loadBefore, after: loadSnapshot() },
      settings: { ...S, proxyCpu: 1, loadCpu: LOAD_CPU, maxConnections: 64, fixedRate: { targetRps, connections: fixedConnections, delayMs }, fixedRateLow: { targetRps: lowRps, connections: lowConnections, delayMs }, handshakeConnections: 16 },
      arms: arms.map((a) => ({ name: a.name, label: a.label, scheme: a.scheme, path: a.path })),
      max: { runs: max, summary: maxSummary },
      fixed: { runs: fixed, summary: summarise(fixed) },
      fixedLow: { runs: fixedLow, summary: summarise(fixedLow) },
      tls: { runs: tls, summary: summarise(tls) },
      websocket: { echo, cycles },
      logins,
      idle,
    };
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${started.toISOString().replace(/[:.]/g, '-')}-${result.mode}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
    log(`results: ${path.relative(process.cwd(), file)}`);
    if (render) log(`rendered: ${renderDocs(result as unknown as Parameters<typeof renderDocs>[0]).join(', ')}`);
    const failures = [...max, ...fixed, ...fixedLow].filter((r) => r.errors > 0).map((r) => `${r.arm}#${r.rep}: ${r.errors} errors`);
    if (failures.length > 0) log(`WARNING: runs with errors: ${failures.join('; ')}`);
  } finally {
    await agent.close().catch(() => undefined);
    for (const arm of arms) await arm.stop().catch(() => undefined);
    await upstream?.stop().catch(() => undefined);
    await slapd?.stop().catch(() => undefined);
    killAllStarted();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.AUTHGATE_BENCH_CHILD !== '1') reexec();
const watchdog = setTimeout(() => {
  log(`benchmark exceeded ${S.maxMinutes} minutes; stopping everything`);
  killAllStarted();
  process.exit(2);
}, S.maxMinutes * 60_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllStarted();
    setTimeout(() => process.exit(130), 5000).unref();
    void (activeSlapd?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    killAllStarted();
    process.exit(1);
  },
);
