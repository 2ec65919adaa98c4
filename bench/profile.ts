/**
 * CPU profile of authgate under load: authgate runs as a child with `node --cpu-prof`, wrk drives
 * the authenticated (or auth-off) arm, and the profile is folded into self and inclusive time per
 * function and per area (authgate's src/, undici, jose, Node internals, GC).
 *
 *   node bench/profile.ts [--arm session|off] [--seconds 15] [--top 30]
 *
 * Writes bench/results/profile-<time>-<arm>.json (ignored by git, see bench/results/README.md)
 * and prints the tables.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { makeTestCert } from '../test/support/tls.ts';
import { ROOT, startAuthgateArm, startUpstreamProcess } from './arms.ts';
import { loginForm, loginOnce } from './login.ts';
import { cpuSeconds, killAllStarted } from './proc.ts';
import { runWrk, writeWrkScript } from './wrk.ts';
import { urlOf } from './http-phases.ts';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  frame: string;
  ms: number;
  percent: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

export function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)' || fn === '(root)') return fn;
  if (url.includes('/node_modules/')) return `npm:${url.split('/node_modules/').at(-1)?.split('/')[0] ?? '?'}`;
  if (url.includes(`${ROOT}/src/`)) return 'authgate src/';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url.slice(5)}`;
  return url === '' ? 'native/builtin' : 'other';
}

function frameName(n: CpuNode): string {
  const f = n.callFrame;
  const where = f.url.startsWith('file://') ? path.relative(ROOT, new URL(f.url).pathname) : f.url;
  return `${f.functionName || '(anonymous)'} ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
}

/** Self time per frame, inclusive time per frame (each frame counted once per sample), self time per area. */
export function fold(profile: CpuProfile): { total: number; self: Row[]; inclusive: Row[]; areas: Row[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    total += dt;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id, depth = 0; cur !== undefined && depth < 500; cur = parent.get(cur), depth++) {
      const name = frameName(byId.get(cur) as CpuNode);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  });
  const rows = (m: Map<string, number>) =>
    [...m]
      .map(([frame, ms]) => ({ frame, ms: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 }))
      .sort((a, b) => b.ms - a.ms);
  return { total, self: rows(self), inclusive: rows(inclusive), areas: rows(areas) };
}

async function main(): Promise<void> {
  const armName = arg('arm', 'session');
  const seconds = Number(arg('seconds', '15'));
  const top = Number(arg('top', '30'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-profile-'));
  const profDir = path.join(dir, 'prof');
  const cert = makeTestCert('localhost', dir);
  const agent = new Agent({ connect: { ca: cert.ca, servername: 'localhost' } });
  try {
    const up = await startUpstreamProcess(dir);
    const arm = await startAuthgateArm({ name: `authgate-${armName}`, label: armName, dir, cert, upstreamPort: up.port, publicAll: armName === 'off', nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    if (armName !== 'off') {
      const base = `https://127.0.0.1:${arm.port}`;
      arm.headers = { cookie: await loginOnce(base, agent, await loginForm(base, agent), 'local', 'alice', 'alice-Passw0rd!') };
    }
    const script = writeWrkScript(dir);
    await runWrk({ url: urlOf(arm), script, connections: 64, seconds: 3, headers: arm.headers });
    const before = cpuSeconds(arm.pid as number);
    const r = await runWrk({ url: urlOf(arm), script, connections: 64, seconds, headers: arm.headers });
    const cpu = cpuSeconds(arm.pid as number) - before;
    await arm.stop();
    await up.proc.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${profDir}`);
    const folded = fold(JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as CpuProfile);
    const summary = {
      arm: armName,
      at: new Date().toISOString(),
      rps: r.rps,
      cpuUsPerRequest: (cpu / r.requests) * 1e6,
      profiledMs: Math.round(folded.total),
      areas: folded.areas,
      self: folded.self.slice(0, top),
      inclusiveSrc: folded.inclusive.filter((row) => row.frame.includes(' src/')).slice(0, top),
    };
    const out = path.join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const target = path.join(out, `profile-${summary.at.replace(/[:.]/g, '-')}-${armName}.json`);
    writeFileSync(target, `${JSON.stringify(summary, null, 1)}\n`);
    const print = (title: string, rows: Row[]) => process.stdout.write(`\n## ${title}\n${rows.map((x) => `${String(x.percent).padStart(5)} %  ${String(x.ms).padStart(6)} ms  ${x.frame}`).join('\n')}\n`);
    process.stdout.write(`${armName}: ${Math.round(r.rps)} req/s, ${summary.cpuUsPerRequest.toFixed(1)} µs CPU/request; profile ${summary.profiledMs} ms → ${path.relative(ROOT, target)}\n`);
    print('by area (self time)', summary.areas);
    print('self time, top frames', summary.self);
    print("inclusive time, authgate's own functions", summary.inclusiveSrc);
  } finally {
    await agent.close().catch(() => undefined);
    killAllStarted();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`profile failed: ${(error as Error).stack ?? String(error)}\n`);
      killAllStarted();
      process.exit(1);
    },
  );
}
