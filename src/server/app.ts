/** Starts authgate from a loaded configuration: runtime, TLS, listeners, reload and drain. */
import path from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { LoadedConfig } from '../config/index.ts';
import { loadConfigFile, formatIssues } from '../config/index.ts';
import { ensureSelfSigned, readTlsFiles, watchTlsFiles, certificateSummary, type TlsWatcher } from '../tls/index.ts';
import type { AuditLog, Logger } from '../observability/index.ts';
import type { LocalUser } from '../auth/local/index.ts';
import { buildRuntime, type Runtime } from './runtime.ts';
import { startListeners, type Listeners } from './listeners.ts';

export interface AppOptions {
  loaded: LoadedConfig;
  logger: Logger;
  audit: AuditLog;
  /** Where the demo certificate goes when listen.tls is absent. */
  certsDir?: string;
  now?: () => number;
  demoUsers?: LocalUser[];
  /** Runs synchronously after every port is bound and the keys are read, before any connection is accepted (the privilege drop). */
  afterBind?: () => void;
}

export interface App {
  runtime(): Runtime;
  listeners: Listeners;
  port(): number;
  /** Re-read the configuration file; an invalid file is reported and the old config keeps serving. */
  reload(): Promise<{ ok: boolean; message: string }>;
  stop(drainMs?: number): Promise<void>;
}

function tlsOptions(opts: AppOptions, log: Logger): { options: SecureContextOptions; watcher?: (onChange: (o: SecureContextOptions) => void) => TlsWatcher } {
  const { config } = opts.loaded;
  const settings = { minVersion: config.listen.tls?.minVersion ?? 'TLSv1.2', ciphers: config.listen.tls?.ciphers } as const;
  if (!config.listen.tls) {
    const hosts = ['localhost', '127.0.0.1', '::1', ...(config.publicUrl ? [new URL(config.publicUrl).hostname] : [])];
    const demo = ensureSelfSigned(opts.certsDir ?? path.resolve('certs'), [...new Set(hosts)]);
    log.warn({ certFile: demo.certFile }, '**** listen.tls is not configured: serving a SELF-SIGNED demo certificate. Never use this in production. ****');
    return { options: readTlsFiles(demo, { minVersion: 'TLSv1.2' }) };
  }
  const files = {
    certFile: opts.loaded.resolvePath(config.listen.tls.certFile),
    keyFile: opts.loaded.resolvePath(config.listen.tls.keyFile),
    caFile: config.listen.tls.caFile ? opts.loaded.resolvePath(config.listen.tls.caFile) : undefined,
  };
  return {
    options: readTlsFiles(files, settings),
    watcher: (onChange) =>
      watchTlsFiles(files, settings, onChange, (error) => log.error({ err: error }, 'new certificate files are not usable yet; still serving the previous certificate'), 2000),
  };
}

export async function startApp(opts: AppOptions): Promise<App> {
  const { logger, audit } = opts;
  let runtime = await buildRuntime({ loaded: opts.loaded, logger, audit, ...(opts.now ? { now: opts.now } : {}), ...(opts.demoUsers ? { demoUsers: opts.demoUsers } : {}) });
  const tls = tlsOptions(opts, logger);
  const listeners = await startListeners({ tls: tls.options, getRuntime: () => runtime, ...(opts.afterBind ? { afterBind: opts.afterBind } : {}) });
  const watcher = tls.watcher?.((options) => {
    listeners.setSecureContext(options);
    const cert = typeof options.cert === 'string' ? certificateSummary(options.cert) : undefined;
    logger.info({ certificate: cert }, 'TLS certificate reloaded');
    audit.emit('tls.reloaded', { detail: { subject: cert?.subject, validTo: cert?.validTo } });
  });
  for (const warning of opts.loaded.warnings) logger.warn({ key: warning.path }, warning.message);
  audit.emit('server.started', { detail: { port: listeners.port(), providers: runtime.providers.map((p) => p.id) } });

  return {
    runtime: () => runtime,
    listeners,
    port: () => listeners.port(),
    async reload() {
      const file = opts.loaded.fileName;
      if (!file) return { ok: false, message: 'configuration did not come from a file' };
      const next = loadConfigFile(file, { env: opts.loaded.env, accountProblems: opts.loaded.accountProblems });
      if (!next.ok) {
        const message = formatIssues(next.issues, file);
        logger.error({ issues: next.issues }, 'configuration reload refused; the previous configuration keeps serving');
        audit.emit('config.reload.failed', { detail: { issues: next.issues.length } });
        return { ok: false, message };
      }
      try {
        const rebuilt = await buildRuntime({
          loaded: next.loaded,
          logger,
          audit,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.demoUsers ? { demoUsers: opts.demoUsers } : {}),
          previousKeySet: runtime.keySet,
          previousStore: runtime.store,
          previousMetrics: runtime.metrics,
          previousWebSockets: runtime.websockets,
        });
        const old = runtime;
        runtime = rebuilt;
        watcher?.check();
        setTimeout(() => void old.upstream.close().catch(() => undefined), 30_000).unref();
        audit.emit('config.reloaded', { detail: { providers: rebuilt.providers.map((p) => p.id) } });
        logger.info('configuration reloaded');
        return { ok: true, message: 'reloaded' };
      } catch (error) {
        logger.error({ err: error }, 'configuration reload failed; the previous configuration keeps serving');
        audit.emit('config.reload.failed', { reason: (error as Error).message });
        return { ok: false, message: (error as Error).message };
      }
    },
    async stop(drainMs = runtime.config.listen.drainTimeout) {
      audit.emit('server.stopping');
      watcher?.close();
      await listeners.drain(drainMs);
      await runtime.upstream.close().catch(() => undefined);
      await Promise.all(runtime.providers.map((p) => p.password?.close?.().catch(() => undefined)));
      runtime.websockets.stop();
      await runtime.store.close();
    },
  };
}
