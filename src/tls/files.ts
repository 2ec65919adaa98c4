/** Reads certificate files and watches them, handing new material to the server without a restart. */
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { secureContextOptions, type TlsSettings } from './material.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string | undefined;
}

export function readTlsFiles(files: TlsFiles, settings: TlsSettings): SecureContextOptions {
  return secureContextOptions(
    {
      certPem: readFileSync(files.certFile, 'utf8'),
      keyPem: readFileSync(files.keyFile, 'utf8'),
      caPem: files.caFile ? readFileSync(files.caFile, 'utf8') : undefined,
    },
    settings,
  );
}

export interface TlsWatcher {
  close(): void;
  /** Check now (SIGHUP). */
  check(): void;
}

/**
 * Watches the files' directories (Kubernetes swaps Secret volumes through a symlink, so the
 * directory is what changes) and polls as a fallback. On a change the pair is re-read; a
 * half-written or mismatched pair is reported and the old one keeps serving.
 */
export function watchTlsFiles(
  files: TlsFiles,
  settings: TlsSettings,
  onChange: (options: SecureContextOptions) => void,
  onError: (error: unknown) => void,
  pollMs = 5000,
): TlsWatcher {
  const paths = [files.certFile, files.keyFile, ...(files.caFile ? [files.caFile] : [])];
  let signature = stamp(paths);
  let timer: NodeJS.Timeout | undefined;
  let failedSignature: string | undefined;
  const check = () => {
    const next = stamp(paths);
    if (next === signature || next === failedSignature) return;
    try {
      const options = readTlsFiles(files, settings);
      signature = next;
      failedSignature = undefined;
      onChange(options);
    } catch (error) {
      failedSignature = next;
      onError(error);
    }
  };
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, 250);
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => path.dirname(p)))) {
    try {
      const w = watch(dir, { persistent: false }, soon);
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // polling below still covers this directory
    }
  }
  const poll = setInterval(check, pollMs);
  poll.unref();
  return {
    check,
    close() {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

function stamp(paths: string[]): string {
  return paths
    .map((p) => {
      try {
        const s = statSync(p);
        return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}
