/** `authgate serve --config FILE`: run the proxy until SIGTERM/SIGINT (drain) ; SIGHUP reloads. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { formatIssues, loadConfigFile } from '../config/index.ts';
import { createAuditLog, createLogger } from '../observability/index.ts';
import { hashPassword, type LocalUser } from '../auth/local/index.ts';
import { jwks } from '../identity/index.ts';
import { startApp, type App } from '../server/app.ts';
import { applyPrivilegePlan, planForThisProcess, systemAccountProblems, type PrivilegePlan } from '../privileges/index.ts';
import { startWhoami } from '../demo/whoami.ts';
import type { CliIo } from './io.ts';
import { parseArgs, stringFlag } from './args.ts';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const file = stringFlag(args, 'config') ?? args.positional[0];
  if (!file) {
    io.stderr.write('usage: authgate serve --config FILE\n');
    return 2;
  }
  const result = loadConfigFile(file, { env: io.env, cwd: io.cwd, accountProblems: systemAccountProblems });
  if (!result.ok) {
    io.stderr.write(`authgate: cannot start, the configuration has problems:\n${formatIssues(result.issues, file)}\n`);
    return 1;
  }
  const { config } = result.loaded;
  let privileges: PrivilegePlan;
  try {
    privileges = planForThisProcess({ ...config.process, demo: config.demo });
  } catch (error) {
    io.stderr.write(`authgate: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const logger = createLogger({ level: config.logging.level });
  const audit = createAuditLog({ file: config.audit.file === '-' ? '-' : result.loaded.resolvePath(config.audit.file), maxSize: config.audit.maxSize, maxFiles: config.audit.maxFiles, queryValues: config.audit.logQueryValues });

  let demo: { users: LocalUser[]; password: string } | undefined;
  if (config.demo) demo = await demoAccount();
  let app: App;
  try {
    app = await startApp({ loaded: result.loaded, logger, audit, certsDir: path.resolve(io.cwd, 'certs'), ...(demo ? { demoUsers: demo.users } : {}), afterBind: () => applyPrivilegePlan(privileges) });
  } catch (error) {
    io.stderr.write(`authgate: cannot start: ${(error as Error).message}\n`);
    logger.flush?.();
    return 1;
  }
  if (privileges.action === 'drop') logger.info({ user: privileges.account.user, uid: privileges.account.uid, gid: privileges.account.gid }, 'dropped root privileges after binding the ports');
  else if (privileges.warning) logger.warn(privileges.warning);
  let whoami: Awaited<ReturnType<typeof startWhoami>> | undefined;
  if (demo) {
    const upstream = new URL(config.upstream.url);
    whoami = await startWhoami({
      port: Number(upstream.port || 80),
      host: upstream.hostname,
      assertionHeader: config.identity.assertion.header,
      jwks: () => jwks(app.runtime().keySet),
      issuer: app.runtime().publicUrl.origin,
    });
    const url = `https://localhost:${app.port()}/`;
    io.stdout.write(
      `\n  authgate demo is running at ${url}\n  (self-signed certificate: your browser will warn; accept it for this demo)\n\n` +
        `  username: demo\n  password: ${demo.password}\n\n  Stop with Ctrl-C.\n\n`,
    );
  } else {
    logger.info({ port: app.port(), publicUrl: app.runtime().publicUrl.href }, 'authgate listening');
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'draining connections, then exiting');
      await app.stop();
      await whoami?.close();
      await audit.close();
      process.off('SIGHUP', hup);
      resolve(0);
    };
    const hup = () => {
      audit.reopen();
      void app.reload();
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    process.on('SIGHUP', hup);
  });
}

async function demoAccount(): Promise<{ users: LocalUser[]; password: string }> {
  const password = randomBytes(12).toString('base64url');
  return {
    password,
    users: [
      { username: 'demo', passwordHash: await hashPassword(password), email: 'demo@example.com', firstName: 'Demo', lastName: 'User', groups: ['demo-users'], role: 'publisher', disabled: false },
    ],
  };
}
