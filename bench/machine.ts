/** Machine facts recorded beside every result: cores, versions, and how busy the machine was. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface LoadSnapshot {
  at: string;
  uptime: string;
  loadavg: number[];
  /** `ps -eo pcpu,comm --sort=-pcpu | head`: what else was running. */
  topProcesses: string[];
}

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  kernel: string;
  memoryBytes: number;
  node: string;
  nginx: string;
  apache: string;
  wrk: string;
  openssl: string;
  slapd: string;
}

function firstLine(cmd: string, args: string[], pattern?: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (r.error) return `missing (${cmd})`;
  const line = text.split('\n').find((l) => (pattern ? pattern.test(l) : l.trim() !== '')) ?? '';
  return line.trim();
}

export function machineFacts(): MachineFacts {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    memoryBytes: os.totalmem(),
    node: process.version,
    nginx: firstLine('/usr/sbin/nginx', ['-v'], /nginx version/),
    apache: firstLine('/usr/sbin/apache2', ['-v'], /Server version/),
    wrk: firstLine('wrk', ['-v'], /wrk/),
    openssl: firstLine('openssl', ['version']),
    slapd: firstLine('/usr/sbin/slapd', ['-VV'], /slapd/),
  };
}

export function loadSnapshot(): LoadSnapshot {
  const ps = spawnSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu'], { encoding: 'utf8', timeout: 10_000 });
  return {
    at: new Date().toISOString(),
    uptime: firstLine('uptime', []),
    loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100),
    topProcesses: (ps.stdout ?? '').split('\n').slice(0, 10).map((l) => l.trim()).filter(Boolean),
  };
}

/** Fails with what to install when a server or tool the harness starts is missing. */
export function missingTools(): string[] {
  const need: Array<[string, string]> = [
    ['/usr/sbin/nginx', 'nginx'],
    ['/usr/sbin/apache2', 'apache2'],
    ['wrk', 'wrk'],
    ['taskset', 'util-linux'],
    ['/usr/sbin/slapd', 'slapd'],
    ['openssl', 'openssl'],
  ];
  const missing: string[] = [];
  for (const [cmd, pkg] of need) {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    if (r.status !== 0) missing.push(`${cmd} (Debian package ${pkg})`);
  }
  return missing;
}
