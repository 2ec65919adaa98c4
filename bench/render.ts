/**
 * Renders a full benchmark result into docs/benchmarks.md (between the generated-section
 * markers; the hand-written text around them is kept) and docs/benchmarks.svg.
 *
 *   node bench/render.ts [bench/results/<file>.json]   (default: the newest full result)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpRun } from './http-phases.ts';
import type { ArmSummary, Spread } from './stats.ts';
import type { CycleResult, EchoResult } from './websocket.ts';
import type { LoginResult } from './logins.ts';
import type { IdleResult } from './idle.ts';
import type { LoadSnapshot, MachineFacts } from './machine.ts';
import { renderSvg } from './svg.ts';
import { spread } from './stats.ts';

export interface ResultFile {
  mode: string;
  startedAt: string;
  machine: MachineFacts;
  load: { before: LoadSnapshot; after: LoadSnapshot };
  settings: {
    reps: number;
    seconds: number;
    fixedRate: { targetRps: number; connections: number; delayMs: number };
    /** Half of authgate's own max (session arm): added latency where authgate is not saturated. */
    fixedRateLow?: { targetRps: number; connections: number; delayMs: number };
    maxConnections: number;
    handshakeConnections: number;
  };
  arms: Array<{ name: string; label: string }>;
  max: { runs: HttpRun[]; summary: Record<string, ArmSummary> };
  fixed: { runs: HttpRun[]; summary: Record<string, ArmSummary> };
  fixedLow?: { runs: HttpRun[]; summary: Record<string, ArmSummary> };
  tls: { runs: HttpRun[]; summary: Record<string, ArmSummary> };
  websocket: { echo: Array<EchoResult & { arm: string }>; cycles: Array<CycleResult & { arm: string }> };
  logins: LoginResult[];
  idle: Array<IdleResult & { arm: string }>;
}

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const BEGIN = '<!-- bench:generated:begin (bench/render.ts rewrites this part) -->';
const END = '<!-- bench:generated:end -->';

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const range = (s: Spread | undefined, f: (v: number) => string) => (s && s.n > 0 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '–');
const ms = (us: number) => us / 1000;

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export function targets(r: ResultFile): Target[] {
  const m = r.max.summary;
  const f = r.fixed.summary;
  const med = (arm: string, key: 'rps' | 'cpuUsPerRequest') => m[arm]?.[key]?.median ?? NaN;
  const echo = (arm: string) => spread(r.websocket.echo.filter((e) => e.arm === arm).map((e) => e.messagesPerSecond)).median;
  const cpuRatio = med('authgate-session', 'cpuUsPerRequest') / med('nginx', 'cpuUsPerRequest');
  const vsNginx = med('authgate-session', 'rps') / med('nginx', 'rps');
  const vsApache = med('authgate-session', 'rps') / med('apache-ldap', 'rps');
  const authCost = 1 - med('authgate-session', 'rps') / med('authgate-off', 'rps');
  const authCpuCost = med('authgate-session', 'cpuUsPerRequest') / med('authgate-off', 'cpuUsPerRequest') - 1;
  const addedP99 = ms((f['authgate-session']?.p99Us.median ?? NaN) - (f.direct?.p99Us.median ?? NaN));
  const wsRatio = echo('authgate-session') / echo('nginx');
  const cyc = r.websocket.cycles.find((c) => c.arm === 'authgate-session');
  const best = [...r.logins].sort((a, b) => b.loginsPerSecond - a.loginsPerSecond)[0];
  const maxLdap = Math.max(0, ...r.logins.map((l) => l.maxLdapConnections));
  const idle = r.idle.find((i) => i.arm === 'authgate-session');
  const ok = (v: number, pass: (x: number) => boolean) => (Number.isFinite(v) ? pass(v) : undefined);
  return [
    { name: 'CPU per authenticated request vs nginx plain', goal: '≤ 2.5×', measured: `${n2(cpuRatio)}×`, met: ok(cpuRatio, (x) => x <= 2.5) },
    { name: 'Authenticated req/s vs nginx plain', goal: '≥ 0.6×', measured: `${n2(vsNginx)}×`, met: ok(vsNginx, (x) => x >= 0.6) },
    { name: 'Authenticated req/s vs Apache with LDAP auth', goal: '≥ 1.5×', measured: `${n2(vsApache)}×`, met: ok(vsApache, (x) => x >= 1.5) },
    { name: 'Throughput cost of auth on vs off', goal: '≤ 5 %', measured: `${n1(authCost * 100)} % (CPU/request +${n1(authCpuCost * 100)} %)`, met: ok(authCost, (x) => x <= 0.05) },
    { name: 'Added p99 latency at half nginx max rate', goal: '≤ 2 ms', measured: `${n2(addedP99)} ms`, met: ok(addedP99, (x) => x <= 2) },
    { name: 'WebSocket echo throughput vs nginx', goal: '≥ 0.8×', measured: `${n2(wsRatio)}×`, met: ok(wsRatio, (x) => x >= 0.8) },
    {
      name: `Descriptors after ${cyc?.cycles ?? '?'} WebSocket open/close cycles`,
      goal: 'no growth',
      measured: cyc ? `${cyc.fdsBefore} → ${cyc.fdsAfter}` : '–',
      met: cyc ? cyc.fdsAfter <= cyc.fdsBefore + 2 && cyc.failures === 0 : undefined,
    },
    {
      name: 'LDAP logins/s against local slapd',
      goal: '≥ 300/s with ≤ 8 LDAP connections',
      measured: best ? `${n0(best.loginsPerSecond)}/s at concurrency ${best.concurrency}; ≤ ${maxLdap} connections` : '–',
      met: best ? best.loginsPerSecond >= 300 && maxLdap <= 8 : undefined,
    },
    { name: 'RSS per idle TLS keep-alive connection', goal: '≤ 30 KiB', measured: idle ? `${n1(idle.bytesPerConnection / 1024)} KiB (${idle.opened} connections)` : '–', met: idle ? idle.bytesPerConnection <= 30 * 1024 && idle.opened === idle.connections : undefined },
  ];
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function generated(r: ResultFile, resultFile: string, svgName: string): string {
  const label = (name: string) => r.arms.find((a) => a.name === name)?.label ?? name;
  const names = r.arms.map((a) => a.name);
  const direct = r.fixed.summary.direct;
  const lines: string[] = [];
  lines.push(`Figures from \`${resultFile}\` (${r.mode} run started ${r.startedAt}).`, '');
  lines.push(`![req/s, CPU per request and added p99 latency per arm](${svgName})`, '');
  lines.push('### Targets', '', table(['target', 'goal', 'measured', 'met'], targets(r).map((t) => [t.name, t.goal, t.measured, t.met === undefined ? '?' : t.met ? 'yes' : '**no**'])), '');
  lines.push(
    `### Maximum throughput (${r.settings.maxConnections} keep-alive connections, ${r.settings.seconds} s × ${r.settings.reps}, median (min–max))`,
    '',
    table(
      ['arm', 'req/s', 'proxy CPU µs/request', 'proxy core busy', 'p99 ms', 'errors'],
      names.map((n) => {
        const s = r.max.summary[n];
        return [label(n), range(s?.rps, n0), range(s?.cpuUsPerRequest, n1), s?.proxyBusy ? `${Math.round(s.proxyBusy.median * 100)} %` : '–', s ? n2(ms(s.p99Us.median)) : '–', String(s?.errors ?? '–')];
      }),
    ),
    '',
  );
  const fixedTable = (title: string, summary: Record<string, ArmSummary>): void => {
    const base = summary.direct;
    lines.push(
      title,
      '',
      table(
        ['arm', 'achieved req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'added p50 / p99 / p99.9 over direct, ms', 'proxy CPU µs/request'],
        names.map((n) => {
          const s = summary[n];
          if (!s) return [label(n), '–', '–', '–', '–', '–', '–'];
          const added = base && n !== 'direct' ? `${n2(ms(s.p50Us.median - base.p50Us.median))} / ${n2(ms(s.p99Us.median - base.p99Us.median))} / ${n2(ms(s.p999Us.median - base.p999Us.median))}` : '–';
          return [label(n), n0(s.rps.median), n2(ms(s.p50Us.median)), n2(ms(s.p99Us.median)), n2(ms(s.p999Us.median)), added, range(s.cpuUsPerRequest, n1)];
        }),
      ),
      '',
    );
  };
  const fr = r.settings.fixedRate;
  fixedTable(`### Fixed rate (offered ≈ ${n0(fr.targetRps)} req/s = half of nginx's max: ${fr.connections} connections, each waiting ${fr.delayMs} ms between requests)`, r.fixed.summary);
  const low = r.settings.fixedRateLow;
  if (low && r.fixedLow) {
    fixedTable(`### Fixed rate below saturation (offered ≈ ${n0(low.targetRps)} req/s = half of authgate's own max with a session: ${low.connections} connections × ${low.delayMs} ms)`, r.fixedLow.summary);
  }
  lines.push(
    `### New TLS 1.3 handshakes (one request per connection, ${r.settings.handshakeConnections} concurrent)`,
    '',
    table(
      ['arm', 'handshakes/s', 'proxy CPU µs/handshake'],
      Object.entries(r.tls.summary).map(([n, s]) => [label(n), range(s.rps, n0), range(s.cpuUsPerRequest, n1)]),
    ),
    '',
  );
  const echoArms = [...new Set(r.websocket.echo.map((e) => e.arm))];
  lines.push(
    `### WebSocket echo (100 sockets, 4 messages of 1 KiB in flight each)`,
    '',
    table(
      ['arm', 'messages/s', 'MB/s', 'proxy CPU µs/message'],
      echoArms.map((n) => {
        const list = r.websocket.echo.filter((e) => e.arm === n);
        const cpu = list.map((e) => e.proxyCpuUsPerMessage).filter((v): v is number => v !== undefined);
        return [label(n), range(spread(list.map((e) => e.messagesPerSecond)), n0), range(spread(list.map((e) => e.mbPerSecond)), n1), cpu.length ? range(spread(cpu), n1) : '–'];
      }),
    ),
    '',
    table(
      ['arm', 'open/close cycles', 'failures', 'descriptors before → after', 'seconds'],
      r.websocket.cycles.map((c) => [label(c.arm), n0(c.cycles), String(c.failures), `${c.fdsBefore} → ${c.fdsAfter}`, n1(c.seconds)]),
    ),
    '',
  );
  lines.push(
    '### Logins through the form against slapd (LDAP service-account search + user bind + nested groups)',
    '',
    table(
      ['concurrency', 'logins/s', 'p50 ms', 'p99 ms', 'most LDAP connections', 'failures'],
      r.logins.map((l) => [String(l.concurrency), n0(l.loginsPerSecond), n1(l.p50Ms), n1(l.p99Ms), String(l.maxLdapConnections), String(l.failures)]),
    ),
    '',
  );
  lines.push(
    '### Memory with idle TLS keep-alive connections',
    '',
    table(
      ['arm', 'connections', 'RSS before MiB', 'RSS after MiB', 'KiB per connection'],
      r.idle.map((i) => [label(i.arm), `${i.opened}/${i.connections}`, n1(i.rssBeforeBytes / 2 ** 20), n1(i.rssAfterBytes / 2 ** 20), n1(i.bytesPerConnection / 1024)]),
    ),
    '',
  );
  const m = r.machine;
  lines.push(
    '### Machine and load',
    '',
    `${m.cores} cores (${m.cpuModel}), ${n1(m.memoryBytes / 2 ** 30)} GiB, ${m.kernel}; Node ${m.node}; ${m.nginx}; ${m.apache}; ${m.wrk}; ${m.openssl}.`,
    '',
    `Load before: \`${r.load.before.uptime}\`; after: \`${r.load.after.uptime}\`.`,
    '',
    'Busiest processes when the run started (`ps -eo pcpu,comm --sort=-pcpu | head`):',
    '',
    '```',
    ...r.load.before.topProcesses,
    '```',
  );
  return lines.join('\n');
}

const SKELETON = `# Benchmarks\n\n${BEGIN}\n${END}\n`;

export function renderDocs(r: ResultFile, resultPath?: string): string[] {
  const md = path.join(ROOT, 'docs', 'benchmarks.md');
  const svg = path.join(ROOT, 'docs', 'benchmarks.svg');
  const current = existsSync(md) ? readFileSync(md, 'utf8') : SKELETON;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${md} lost its generated-section markers; put back ${BEGIN} … ${END}`);
  const name = resultPath ?? `bench/results/${r.startedAt.replace(/[:.]/g, '-')}-${r.mode}.json`;
  const body = generated(r, name, 'benchmarks.svg');
  writeFileSync(md, `${current.slice(0, start + BEGIN.length)}\n${body}\n${current.slice(end)}`);
  writeFileSync(svg, renderSvg(r));
  return [path.relative(ROOT, md), path.relative(ROOT, svg)];
}

if (import.meta.filename === process.argv[1]) {
  const dir = path.join(ROOT, 'bench', 'results');
  const file = process.argv[2] ? path.resolve(process.argv[2]) : path.join(dir, readdirSync(dir).filter((f) => f.endsWith('-full.json')).sort().at(-1) ?? '');
  const r = JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
  process.stdout.write(`${renderDocs(r, path.relative(ROOT, file)).join('\n')}\n`);
}
