/**
 * wrk (Debian's, 4.x) as the HTTP load generator, pinned to the load core. A Lua script prints
 * one JSON line at the end (p50/p90/p99/p99.9 from wrk's own histogram) and, for the fixed-rate
 * runs, makes every connection wait a fixed delay between requests: N connections × (delay +
 * latency) gives the offered rate (wrk has no open-loop mode; wrk2 is not packaged).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOAD_CPU } from './proc.ts';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

const SCRIPT = `
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay() return delay_ms end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;

export function writeWrkScript(dir: string): string {
  const file = path.join(dir, 'report.lua');
  writeFileSync(file, SCRIPT);
  return file;
}

export interface WrkOptions {
  url: string;
  script: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  delayMs?: number;
  threads?: number;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-c', String(LOAD_CPU), 'wrk', '-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '5s', '-s', o.script];
  for (const [name, value] of Object.entries(o.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(o.url);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRK_DELAY_MS: String(o.delayMs ?? 0) } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
  const line = output.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk gave no result for ${o.url}:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line.slice('WRKJSON '.length)) as { requests: number; duration_us: number; bytes: number; errors: WrkResult['errors']; latency_us: WrkResult['latencyUs'] };
  const seconds = raw.duration_us / 1e6;
  return { requests: raw.requests, seconds, rps: raw.requests / seconds, bytes: raw.bytes, errors: raw.errors, latencyUs: raw.latency_us };
}

export function errorCount(r: WrkResult): number {
  return r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
}
