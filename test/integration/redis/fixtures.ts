/** Configurations and loggers for the Redis integration tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { formatIssues, loadConfigText, type LoadedConfig } from '../../../src/config/index.ts';
import { createLogger, type Logger } from '../../../src/observability/index.ts';
import type { Throttle } from '../../../src/auth/throttle.ts';
import { SECRET_A } from '../../support/authgate.ts';

/** A loaded configuration with `session.store: redis` (password from a file, as the chart mounts it). */
export function redisConfig(url: string, password: string, extra: Record<string, unknown> = {}): LoadedConfig {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-redis-config-'));
  writeFileSync(path.join(dir, 'redis-password'), `${password}\n`, { mode: 0o600 });
  const text = stringify({
    upstream: { url: 'http://127.0.0.1:3939' },
    publicUrl: 'https://localhost',
    session: { secretsEnv: 'SESSION_SECRETS', store: 'redis' },
    redis: { url, passwordFile: 'redis-password', connectTimeout: '1s', commandTimeout: '1s', ...extra },
  });
  const result = loadConfigText(text, { fileName: path.join(dir, 'authgate.yaml'), env: { SESSION_SECRETS: SECRET_A } });
  if (!result.ok) throw new Error(`test config invalid:\n${formatIssues(result.issues)}`);
  return result.loaded;
}

export interface CapturedLogger {
  logger: Logger;
  lines: Array<{ level: string; msg: string }>;
  count(level: string, pattern: RegExp): number;
}

export function capturedLogger(): CapturedLogger {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) } });
  return { logger, lines, count: (level, pattern) => lines.filter((l) => l.level === level && pattern.test(l.msg)).length };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or the time is up. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

/** One login attempt that fails (reserved, then counted as a failure); nothing when already locked out. */
export async function failOnce(throttle: Throttle, username: string, ip: string): Promise<void> {
  const begun = await throttle.begin(username, ip);
  if (begun.ok) await begun.attempt.failed();
}

/** One login attempt that succeeds. */
export async function succeedOnce(throttle: Throttle, username: string, ip: string): Promise<void> {
  const begun = await throttle.begin(username, ip);
  if (begun.ok) await begun.attempt.succeeded();
}
