/**
 * HTTP phases over all arms, interleaved (each repetition visits every arm, in a rotated order, so
 * noise from the rest of the machine hits all of them): max throughput, fixed rate, new TLS
 * handshakes. Every run records the proxy's CPU seconds (utime+stime from /proc) → µs/request.
 */
import type { Arm } from './arms.ts';
import { cpuSeconds, sleep } from './proc.ts';
import { errorCount, runWrk, type WrkResult } from './wrk.ts';

export interface HttpRun {
  arm: string;
  rep: number;
  rps: number;
  requests: number;
  errors: number;
  errorKinds: WrkResult['errors'];
  latencyUs: WrkResult['latencyUs'];
  /** Fraction of one core the proxy was busy. */
  proxyBusy?: number;
  proxyCpuUsPerRequest?: number;
  connections: number;
  delayMs?: number;
}

export interface PhaseSettings {
  reps: number;
  seconds: number;
  script: string;
  log: (line: string) => void;
}

export function urlOf(arm: Arm): string {
  return `${arm.scheme}://127.0.0.1:${arm.port}${arm.path}`;
}

async function measured(arm: Arm, rep: number, run: () => Promise<WrkResult>, extra: { connections: number; delayMs?: number }): Promise<HttpRun> {
  await arm.refresh?.();
  const before = arm.pid ? cpuSeconds(arm.pid) : 0;
  const r = await run();
  const cpu = arm.pid ? cpuSeconds(arm.pid) - before : 0;
  return {
    arm: arm.name,
    rep,
    rps: r.rps,
    requests: r.requests,
    errors: errorCount(r),
    errorKinds: r.errors,
    latencyUs: r.latencyUs,
    ...(arm.pid ? { proxyBusy: cpu / r.seconds, proxyCpuUsPerRequest: r.requests > 0 ? (cpu / r.requests) * 1e6 : 0 } : {}),
    connections: extra.connections,
    ...(extra.delayMs !== undefined ? { delayMs: extra.delayMs } : {}),
  };
}

/** Rotation r of the arm list: repetition r starts at a different arm. */
function rotated<T>(list: T[], r: number): T[] {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function note(s: PhaseSettings, phase: string, run: HttpRun): void {
  const cpu = run.proxyCpuUsPerRequest !== undefined ? ` cpu ${run.proxyCpuUsPerRequest.toFixed(1)} µs/req (${Math.round((run.proxyBusy ?? 0) * 100)}% core)` : '';
  s.log(`${phase} #${run.rep} ${run.arm.padEnd(17)} ${Math.round(run.rps).toString().padStart(6)} req/s p99 ${(run.latencyUs.p99 / 1000).toFixed(2)} ms${cpu}${run.errors ? ` ERRORS ${run.errors}` : ''}`);
}

export async function maxThroughput(arms: Arm[], s: PhaseSettings, connections: number): Promise<HttpRun[]> {
  const runs: HttpRun[] = [];
  for (let rep = 0; rep < s.reps; rep++) {
    for (const arm of rotated(arms, rep)) {
      const run = await measured(arm, rep, () => runWrk({ url: urlOf(arm), script: s.script, connections, seconds: s.seconds, headers: arm.headers }), { connections });
      note(s, 'max', run);
      runs.push(run);
      await sleep(200);
    }
  }
  return runs;
}

/**
 * Connections needed for `targetRps` when each waits `delayMs` between requests: measured on the
 * direct arm (per-connection rate includes wrk's timer granularity and the round trip).
 */
export async function calibrate(direct: Arm, s: PhaseSettings, targetRps: number, delayMs: number): Promise<number> {
  const probe = 100;
  const r = await runWrk({ url: urlOf(direct), script: s.script, connections: probe, seconds: Math.min(3, s.seconds), delayMs });
  const perConnection = r.rps / probe;
  return Math.max(1, Math.min(4000, Math.round(targetRps / perConnection)));
}

export async function fixedRate(arms: Arm[], s: PhaseSettings, connections: number, delayMs: number): Promise<HttpRun[]> {
  const runs: HttpRun[] = [];
  for (let rep = 0; rep < s.reps; rep++) {
    for (const arm of rotated(arms, rep)) {
      const run = await measured(arm, rep, () => runWrk({ url: urlOf(arm), script: s.script, connections, seconds: s.seconds, headers: arm.headers, delayMs }), { connections, delayMs });
      note(s, 'fixed', run);
      runs.push(run);
      await sleep(200);
    }
  }
  return runs;
}

/** Every request on a new connection (`Connection: close`): full TLS 1.3 handshakes per second (wrk does not resume sessions). */
export async function handshakes(arms: Arm[], s: PhaseSettings, connections: number): Promise<HttpRun[]> {
  const runs: HttpRun[] = [];
  for (let rep = 0; rep < s.reps; rep++) {
    for (const arm of rotated(arms, rep)) {
      const run = await measured(arm, rep, () => runWrk({ url: urlOf(arm), script: s.script, connections, seconds: s.seconds, headers: { ...arm.headers, connection: 'close' } }), { connections });
      note(s, 'tls', run);
      runs.push(run);
      await sleep(500);
    }
  }
  return runs;
}
