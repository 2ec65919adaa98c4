/**
 * The audit trail: a closed union of dotted event names, written as JSON lines through one
 * function. Untrusted values (usernames typed by clients, claims) sit under `subject`, never
 * spread into the top level; secrets never appear.
 */
import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';

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
  | 'session.revoked'
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
  subject?: { username?: string; uniqueId?: string; email?: string };
  reason?: string;
  rule?: string;
  method?: string;
  path?: string;
  status?: number;
  detail?: Record<string, string | number | boolean | string[] | undefined>;
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
}

export function createAuditLog(options: AuditOptions): AuditLog {
  const now = options.now ?? (() => new Date());
  let stream: WriteStream | undefined;
  let written = 0;
  const open = () => {
    if (options.sink || options.file === '-') return;
    stream = createWriteStream(options.file, { flags: 'a', mode: 0o640 });
    stream.on('error', (error) => process.stderr.write(`authgate: audit file ${options.file}: ${error.message}\n`));
    try {
      written = statSync(options.file).size;
    } catch {
      written = 0;
    }
  };
  const rotate = () => {
    stream?.end();
    const keep = options.maxFiles ?? 5;
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${options.file}.${i}`, `${options.file}.${i + 1}`);
      } catch {
        // missing generation
      }
    }
    try {
      renameSync(options.file, `${options.file}.1`);
    } catch {
      // nothing to rotate
    }
    open();
  };
  open();
  return {
    emit(event, fields = {}) {
      const line = `${JSON.stringify({ time: now().toISOString(), type: 'audit', event, ...fields })}\n`;
      if (options.sink) return options.sink(line);
      if (options.file === '-') {
        process.stdout.write(line);
        return;
      }
      stream?.write(line);
      written += Buffer.byteLength(line);
      if (options.maxSize && written >= options.maxSize) rotate();
    },
    reopen() {
      if (options.sink || options.file === '-') return;
      stream?.end();
      open();
    },
    close() {
      return new Promise((resolve) => (stream ? stream.end(() => resolve()) : resolve()));
    },
  };
}
