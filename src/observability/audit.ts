/**
 * The audit trail: a closed union of dotted event names, written as JSON lines through one
 * function. Untrusted values (usernames typed by clients, claims) sit under `subject`, never
 * spread into the top level; secrets never appear: query-string values in `path` are redacted
 * unless `queryValues` is set, and a typed username is capped and flagged (`typedSubject`).
 */
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

export type AuditEventName =
  | 'auth.login.succeeded'
  | 'auth.login.failed'
  | 'auth.login.throttled'
  | 'auth.logout'
  | 'authz.denied'
  | 'net.ip.refused'
  | 'session.invalid'
  | 'session.refreshed'
  | 'session.ended'
  | 'request.completed'
  | 'config.reloaded'
  | 'config.reload.failed'
  | 'tls.reloaded'
  | 'server.started'
  | 'server.stopping';

export interface AuditFields {
  requestId?: string;
  clientIp?: string;
  provider?: string;
  /** Who the event is about, as the client or directory gave it (untrusted). */
  subject?: {
    username?: string;
    uniqueId?: string;
    email?: string;
    /** What a client typed into the username field (see `typedSubject`); never a verified name. */
    typedUsername?: string;
    /** false when the subject is only what the client typed. */
    verified?: boolean;
  };
  reason?: string;
  rule?: string;
  method?: string;
  path?: string;
  status?: number;
  detail?: Record<string, string | number | boolean | string[] | undefined>;
}

/** Longest typed username kept in the audit trail (a password typed into the wrong field is usually longer than a name). */
const TYPED_USERNAME_MAX = 64;

/**
 * The subject of a login attempt nobody has verified yet: what was typed, without control or
 * format characters (no forged lines, no bidi tricks in a log viewer), at most 64 characters,
 * flagged `verified: false`.
 */
export function typedSubject(typed: string): { typedUsername: string; verified: false } {
  const clean = typed.slice(0, 16_384).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '');
  return { typedUsername: Array.from(clean).slice(0, TYPED_USERNAME_MAX).join(''), verified: false };
}

export interface AuditLog {
  emit(event: AuditEventName, fields?: AuditFields): void;
  /** Reopen the file (after logrotate moved it). */
  reopen(): void;
  close(): Promise<void>;
}

export interface AuditOptions {
  file: string;
  maxSize?: number;
  maxFiles?: number;
  now?: () => Date;
  /** For tests: receive each line instead of writing. */
  sink?: (line: string) => void;
  /** Keep query-string values in `path` (config `audit.logQueryValues`); by default each value is replaced by `[redacted]`. */
  queryValues?: boolean;
}

const QUERY_VALUE_MARKER = '[redacted]';

/**
 * A request target with every query value replaced by `[redacted]`: URLs carry tokens (reset
 * links, API keys, OAuth codes). Parameter names stay; a parameter without `=` is all value.
 */
export function redactQuery(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const params = target
    .slice(q + 1)
    .split('&')
    .map((p) => {
      if (p === '') return p;
      const eq = p.indexOf('=');
      return eq < 0 ? QUERY_VALUE_MARKER : `${p.slice(0, eq)}=${QUERY_VALUE_MARKER}`;
    });
  return `${target.slice(0, q)}?${params.join('&')}`;
}

/**
 * File writes are synchronous (open/append/close by descriptor): audit events must not be lost
 * in a buffer when the process dies, and rotation and reopen-after-logrotate then need no
 * coordination with an asynchronous stream.
 */
export function createAuditLog(options: AuditOptions): AuditLog {
  const now = options.now ?? (() => new Date());
  const toFile = !options.sink && options.file !== '-';
  let fd: number | undefined;
  let written = 0;
  let failed = false;
  const open = () => {
    if (!toFile) return;
    try {
      fd = openSync(options.file, 'a', 0o640);
      written = fstatSync(fd).size;
      failed = false;
    } catch (error) {
      fd = undefined;
      report(error);
    }
  };
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  const report = (error: unknown) => {
    if (failed) return;
    failed = true;
    process.stderr.write(`authgate: audit file ${options.file}: ${(error as Error).message}\n`);
  };
  const rotate = () => {
    close();
    const keep = options.maxFiles ?? 5;
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${options.file}.${i}`, `${options.file}.${i + 1}`);
      } catch {
        // that generation does not exist yet
      }
    }
    try {
      renameSync(options.file, `${options.file}.1`);
    } catch (error) {
      report(error);
    }
    open();
  };
  open();
  return {
    emit(event, fields = {}) {
      // One place for every event with a path (request.completed, net.ip.refused, authz.denied).
      const safe = fields.path !== undefined && !options.queryValues ? { ...fields, path: redactQuery(fields.path) } : fields;
      const line = `${JSON.stringify({ time: now().toISOString(), type: 'audit', event, ...safe })}\n`;
      if (options.sink) return options.sink(line);
      if (!toFile) {
        process.stdout.write(line);
        return;
      }
      if (fd === undefined) open();
      if (fd === undefined) return;
      try {
        written += writeSync(fd, line);
      } catch (error) {
        report(error);
        return;
      }
      if (options.maxSize && written >= options.maxSize) rotate();
    },
    reopen() {
      close();
      open();
    },
    async close() {
      close();
    },
  };
}
