/**
 * A throwaway redis-server (Debian package redis-server) on a free loopback port, with its own
 * temporary directory, a password and no persistence. Can be stopped and started again on the
 * same port to simulate an outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/authgate.ts';

const REDIS_INSTALL_HINT = 'redis-server is not installed: run `sudo bash .ci/install-redis.sh` (Debian package redis-server)';

export interface RedisServer {
  port: number;
  password: string;
  url: string;
  dir: string;
  running(): boolean;
  /** Stops the server (SIGTERM, no save); the port stays reserved for start(). */
  stopOnly(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function findRedisServer(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'redis-server');
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error(REDIS_INSTALL_HINT);
}

export async function startRedis(): Promise<RedisServer> {
  const binary = await findRedisServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'authgate-redis-'));
  const port = await freePort();
  const password = 'redis-test-password-0123456789';
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--requirepass', password, '--daemonize', 'no', '--loglevel', 'warning', '--protected-mode', 'yes'];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port, password))) {
      if (!child) throw new Error(`redis-server exited at start:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 10s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopOnly = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    password,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    running: () => child !== undefined,
    stopOnly,
    start,
    async stop() {
      await stopOnly();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One AUTH + PING over a raw socket: true when the server answers +PONG. */
function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('+PONG')) done(true);
      else if (data.includes('-')) done(false);
    });
  });
}
