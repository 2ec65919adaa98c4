/**
 * Logins per second through authgate's form against slapd at a given concurrency: latency
 * percentiles and the most LDAP connections authgate held (its ESTABLISHED sockets to slapd's ports) meanwhile.
 */
import { Agent } from 'undici';
import type { Arm } from './arms.ts';
import { loginForm, loginOnce } from './login.ts';
import { sampleConnections } from '../test/support/sockets.ts';

export interface LoginResult {
  concurrency: number;
  seconds: number;
  logins: number;
  failures: number;
  loginsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxLdapConnections: number;
  firstError?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function loginLoad(arm: Arm, ca: string, o: { concurrency: number; seconds: number; ldapPort: number; ldapsPort: number; username: string; password: string }): Promise<LoginResult> {
  const pid = arm.pid;
  if (pid === undefined) throw new Error(`arm ${arm.name} has no pid: its LDAP connections cannot be counted`);
  const agent = new Agent({ connect: { ca, servername: 'localhost' }, connections: o.concurrency, keepAliveTimeout: 30_000 });
  const base = `https://127.0.0.1:${arm.port}`;
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  const sampler = sampleConnections(pid, [o.ldapPort, o.ldapsPort], 100);
  let stopped = false;
  try {
    const form = await loginForm(base, agent);
    const started = performance.now();
    const deadline = started + o.seconds * 1000;
    const worker = async () => {
      for (let i = 0; i < 1_000_000 && performance.now() < deadline; i++) {
        const t0 = performance.now();
        try {
          await loginOnce(base, agent, form, 'corp', o.username, o.password);
          latencies.push(performance.now() - t0);
        } catch (error) {
          failures++;
          firstError ??= (error as Error).message;
          if (failures > 1000) return;
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    stopped = true;
    const maxLdap = await sampler.stop();
    latencies.sort((a, b) => a - b);
    return {
      concurrency: o.concurrency,
      seconds,
      logins: latencies.length,
      failures,
      loginsPerSecond: latencies.length / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxLdapConnections: maxLdap,
      ...(firstError ? { firstError } : {}),
    };
  } finally {
    if (!stopped) await sampler.stop().catch(() => undefined);
    await agent.close();
  }
}
