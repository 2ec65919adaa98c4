/**
 * The benchmark chart, hand-written SVG (no chart library): three panels of horizontal bars, one
 * row per arm: max req/s, proxy CPU µs per request, and p99 latency added over direct at the
 * fixed rate. Bars are medians; the thin line across each bar spans min–max of the repetitions.
 */
import type { ResultFile } from './render.ts';
import type { Spread } from './stats.ts';

interface Panel {
  title: string;
  unit: string;
  values: Array<Spread | undefined>;
}

const COLOURS: Record<string, string> = {
  direct: '#9e9e9e',
  nginx: '#2e7d32',
  apache: '#c62828',
  'apache-ldap': '#ef9a9a',
  'node-floor': '#ffcc80',
  'authgate-off': '#90caf9',
  'authgate-session': '#1565c0',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(0);
  return v.toFixed(2);
}

function shift(s: Spread | undefined, by: number | undefined, scale = 1): Spread | undefined {
  if (!s || by === undefined) return undefined;
  return { median: (s.median - by) * scale, min: (s.min - by) * scale, max: (s.max - by) * scale, n: s.n };
}

export function renderSvg(r: ResultFile): string {
  const arms = r.arms;
  const direct = r.fixed.summary.direct;
  const panels: Panel[] = [
    { title: 'Max throughput', unit: 'req/s', values: arms.map((a) => r.max.summary[a.name]?.rps) },
    { title: 'Proxy CPU per request', unit: 'µs', values: arms.map((a) => r.max.summary[a.name]?.cpuUsPerRequest) },
    {
      title: `Added p99 at ${fmt(r.settings.fixedRate.targetRps)} req/s`,
      unit: 'ms',
      values: arms.map((a) => (a.name === 'direct' ? undefined : shift(r.fixed.summary[a.name]?.p99Us, direct?.p99Us.median, 0.001))),
    },
  ];
  const labelWidth = 250;
  const panelWidth = 240;
  const gap = 30;
  const rowHeight = 30;
  const top = 58;
  const width = labelWidth + panels.length * (panelWidth + gap);
  const height = top + arms.length * rowHeight + 46;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">authgate vs nginx vs Apache httpd (${esc(r.machine.cores + ' cores, ' + r.mode + ' run ' + r.startedAt.slice(0, 16))})</text>`);
  arms.forEach((a, i) => {
    const y = top + i * rowHeight + rowHeight / 2 + 4;
    out.push(`<text x="${labelWidth - 8}" y="${y}" text-anchor="end">${esc(a.label)}</text>`);
  });
  panels.forEach((p, k) => {
    const x0 = labelWidth + k * (panelWidth + gap);
    const maxValue = Math.max(1e-9, ...p.values.map((v) => (v ? Math.max(v.max, v.median) : 0)));
    const scale = (panelWidth - 60) / maxValue;
    out.push(`<text x="${x0}" y="${top - 14}" font-weight="bold">${esc(p.title)} (${esc(p.unit)})</text>`);
    out.push(`<line x1="${x0}" y1="${top - 4}" x2="${x0}" y2="${top + arms.length * rowHeight}" stroke="#444"/>`);
    p.values.forEach((v, i) => {
      const yTop = top + i * rowHeight + 5;
      const barHeight = rowHeight - 10;
      const name = arms[i]?.name ?? '';
      if (!v || !Number.isFinite(v.median)) {
        out.push(`<text x="${x0 + 6}" y="${yTop + barHeight - 5}" fill="#888">n/a</text>`);
        return;
      }
      const w = Math.max(0, v.median * scale);
      out.push(`<rect x="${x0}" y="${yTop}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLOURS[name] ?? '#607d8b'}"><title>${esc(`${arms[i]?.label}: ${fmt(v.median)} ${p.unit} (min ${fmt(v.min)}, max ${fmt(v.max)}, n=${v.n})`)}</title></rect>`);
      if (v.n > 1) {
        const y = yTop + barHeight / 2;
        out.push(`<line x1="${Math.max(0, v.min * scale) + x0}" y1="${y}" x2="${Math.max(0, v.max * scale) + x0}" y2="${y}" stroke="#000" stroke-width="1.5"/>`);
      }
      out.push(`<text x="${x0 + w + 5}" y="${yTop + barHeight - 5}">${fmt(v.median)}</text>`);
    });
  });
  out.push(`<text x="10" y="${height - 24}" fill="#555">Bars: median of ${r.settings.reps} runs; black line: min–max. Proxy pinned to one core, load generator and upstream on the other.</text>`);
  out.push(`<text x="10" y="${height - 8}" fill="#555">Load average at start: ${esc(r.load.before.loadavg.join(', '))} (shared machine: see docs/benchmarks.md).</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
