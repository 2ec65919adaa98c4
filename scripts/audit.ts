/**
 * CI's dependency gate: `npm audit --omit=dev`, failing on any high or critical advisory in a
 * package that ships with authgate, except advisory ids listed in docs/audit-exceptions.md
 * (process in that file). When the registry's audit endpoint cannot be reached (some mirrors
 * refuse it), says so loudly and exits 0: the gate did not run, which the log shows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Vulnerability {
  name: string;
  severity: string;
  via: Array<string | { source?: number; url?: string; title?: string; severity?: string }>;
}

const root = path.resolve(import.meta.dirname, '..');
const exceptions = new Set(readFileSync(path.join(root, 'docs/audit-exceptions.md'), 'utf8').match(/GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}/g) ?? []);

let output: string;
try {
  output = execFileSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
} catch (error) {
  output = (error as { stdout?: string }).stdout ?? '';
}
let report: { vulnerabilities?: Record<string, Vulnerability>; message?: string; statusCode?: number };
try {
  report = JSON.parse(output) as typeof report;
} catch {
  report = { message: output.slice(0, 200) || 'no output' };
}
if (!report.vulnerabilities) {
  process.stdout.write(`npm audit: NOT CHECKED — the registry's audit endpoint did not answer (${report.statusCode ?? ''} ${report.message ?? ''}).\n`);
  process.exit(0);
}
const blocking = Object.values(report.vulnerabilities).filter((v) => {
  if (v.severity !== 'high' && v.severity !== 'critical') return false;
  const ids = v.via.flatMap((via) => (typeof via === 'object' && via.url ? [via.url.split('/').pop() ?? ''] : []));
  return ids.length === 0 || ids.some((id) => !exceptions.has(id));
});
if (blocking.length > 0) {
  for (const v of blocking) process.stderr.write(`npm audit: ${v.severity} advisory in ${v.name}\n`);
  process.stderr.write('Follow docs/audit-exceptions.md.\n');
  process.exit(1);
}
process.stdout.write(`npm audit: no high or critical advisory in runtime dependencies (${Object.keys(report.vulnerabilities).length} lower ones)\n`);
