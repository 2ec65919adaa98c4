/**
 * A real Shiny app (test/e2e/shiny/app.R) as an upstream: `Rscript -e "shiny::runApp(…)"` on a
 * free loopback port, with the process's stdout and stderr kept as the app's log.
 *
 * In front of Shiny sits a plain recording hop (same host, no logic): every HTTP request and
 * WebSocket handshake authgate forwards is recorded with its identity headers, then passed on
 * unchanged. It exists because Shiny's own R code never sees most requests (httpuv serves the
 * JavaScript and CSS under /shared/ without calling R), so the R log alone could not prove that
 * a user never reached the app; the hop's list can. authgate is pointed at the hop's URL.
 * Given `signOutUrl`, the hop also answers `GET /auth-sign-out` with a redirect there, as rserver
 * does with `auth-proxy-sign-out-url` when the IDE's Sign out is clicked (the app links to it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './authgate.ts';

const RSCRIPT = '/usr/bin/Rscript';
const APP_DIR = path.resolve(import.meta.dirname, '../e2e/shiny');

interface UpstreamRequest {
  method: string;
  url: string;
  websocket: boolean;
  username: string | undefined;
  role: string | undefined;
}

export interface TestShiny {
  /** What authgate forwards to (the recording hop in front of Shiny). */
  url: string;
  shinyPort: number;
  /** Every request that reached the upstream, oldest first. */
  requests: UpstreamRequest[];
  /** The Rscript process's stdout and stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function startRscript(appDir: string, port: number, output: string[]): ChildProcess {
  const expr = `shiny::runApp(${JSON.stringify(appDir)}, port=${port}, host='127.0.0.1', launch.browser=FALSE)`;
  const child = spawn(RSCRIPT, ['-e', expr], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

/** The recording hop: HTTP through a keep-alive agent, WebSocket handshakes written raw and then piped. */
function startHop(shinyPort: number, requests: UpstreamRequest[], signOutUrl: string | undefined): { server: http.Server; sockets: Set<net.Socket> } {
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<net.Socket>();
  const record = (req: http.IncomingMessage, websocket: boolean) =>
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', websocket, username: header(req.headers['x-auth-username']), role: header(req.headers['x-auth-role']) });
  const server = http.createServer((req, res) => {
    record(req, false);
    if (signOutUrl && req.method === 'GET' && req.url === '/auth-sign-out') {
      res.writeHead(302, { location: signOutUrl }).end();
      return;
    }
    const out = http.request({ host: '127.0.0.1', port: shinyPort, method: req.method, path: req.url, headers: req.headers, agent }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.rawHeaders);
      upstream.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    record(req, true);
    const upstream = net.connect(shinyPort, '127.0.0.1', () => {
      let block = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) block += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(`${block}\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  server.on('close', () => agent.destroy());
  return { server, sockets };
}

export async function startShiny(appDir = APP_DIR, options: { signOutUrl?: string } = {}): Promise<TestShiny> {
  if (!existsSync(RSCRIPT)) throw new Error(`${RSCRIPT} not found: install the Debian package "r-cran-shiny" (it brings r-base-core): sudo bash .ci/install-browser-test-deps.sh`);
  const shinyPort = await freePort();
  const output: string[] = [];
  const child = startRscript(appDir, shinyPort, output);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!(await answers(shinyPort))) {
    const log = output.join('');
    if (exited) {
      if (/there is no package called .shiny./.test(log)) throw new Error(`R has no shiny package: install the Debian package "r-cran-shiny" (sudo bash .ci/install-browser-test-deps.sh)\n${log}`);
      throw new Error(`Rscript exited before Shiny answered:\n${log}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Shiny did not answer on 127.0.0.1:${shinyPort} within 30 s:\n${log}`);
    }
    await sleep(100);
  }
  const requests: UpstreamRequest[] = [];
  const { server, sockets } = startHop(shinyPort, requests, options.signOutUrl);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hopPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${hopPort}`,
    shinyPort,
    requests,
    log: () => output.join(''),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}
