/** Medians and spreads of repeated runs, per arm. */
import type { HttpRun } from './http-phases.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, n: sorted.length };
}

export interface ArmSummary {
  rps: Spread;
  cpuUsPerRequest?: Spread;
  proxyBusy?: Spread;
  p50Us: Spread;
  p99Us: Spread;
  p999Us: Spread;
  errors: number;
}

export function summarise(runs: HttpRun[]): Record<string, ArmSummary> {
  const byArm = new Map<string, HttpRun[]>();
  for (const run of runs) byArm.set(run.arm, [...(byArm.get(run.arm) ?? []), run]);
  const out: Record<string, ArmSummary> = {};
  for (const [arm, list] of byArm) {
    const cpu = list.map((r) => r.proxyCpuUsPerRequest).filter((v): v is number => v !== undefined);
    const busy = list.map((r) => r.proxyBusy).filter((v): v is number => v !== undefined);
    out[arm] = {
      rps: spread(list.map((r) => r.rps)),
      ...(cpu.length ? { cpuUsPerRequest: spread(cpu), proxyBusy: spread(busy) } : {}),
      p50Us: spread(list.map((r) => r.latencyUs.p50)),
      p99Us: spread(list.map((r) => r.latencyUs.p99)),
      p999Us: spread(list.map((r) => r.latencyUs.p999)),
      errors: list.reduce((n, r) => n + r.errors, 0),
    };
  }
  return out;
}
