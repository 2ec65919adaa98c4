/** Starts a real authgate (HTTPS on an ephemeral port) in-process for integration tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Agent, request } from 'undici';
import { loadConfigText, formatIssues } from '../../src/config/index.ts';
import { createLogger, createAuditLog } from '../../src/observability/index.ts';
import { startApp, type App } from '../../src/server/app.ts';
import { hashPassword } from '../../src/auth/local/index.ts';
import { makeTestCert, type TestCert } from './tls.ts';

export const SECRET_A = 'test-secret-A-0123456789abcdefghijklmnopqrstuvwxyz';
export const SECRET_B = 'test-secret-B-0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestUser {
  username: string;
  password: string;
  groups?: string[];
  role?: 'viewer' | 'publisher' | 'administrator';
  email?: string;
  disabled?: boolean;
}

const DEFAULT_USERS: TestUser[] = [
  { username: 'alice', password: 'alice-Passw0rd!', groups: ['analysts', 'rstudio-users'], role: 'publisher', email: 'alice@example.com' },
  { username: 'bob', password: 'bob-Passw0rd!', groups: ['rstudio-users'] },
  { username: 'eve', password: 'eve-Passw0rd!', groups: [] },
];

export interface StartOptions {
  /** Config sections merged over the defaults (upstream.url is required). */
  config: Record<string, unknown>;
  users?: TestUser[];
  secrets?: string[];
  now?: () => number;
  cert?: TestCert;
  dir?: string;
}

export interface TestAuthgate {
  app: App;
  url: string;
  port: number;
  dir: string;
  cert: TestCert;
  configFile: string;
  /** Origin of publicUrl (what a browser sends as Origin). */
  origin: string;
  audit: string[];
  logs: string[];
  agent: Agent;
  stop(): Promise<void>;
}

export async function writeUsersFile(file: string, users: TestUser[]): Promise<void> {
  const entries = await Promise.all(
    users.map(async (u) => ({
      username: u.username,
      passwordHash: await hashPassword(u.password, { ln: 10, r: 8, p: 1 }),
      ...(u.email ? { email: u.email } : {}),
      groups: u.groups ?? [],
      ...(u.role ? { role: u.role } : {}),
      ...(u.disabled ? { disabled: true } : {}),
    })),
  );
  writeFileSync(file, stringify({ users: entries }));
}

export async function startAuthgate(options: StartOptions): Promise<TestAuthgate> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'authgate-it-'));
  const cert = options.cert ?? makeTestCert('localhost', dir);
  writeFileSync(path.join(dir, 'secrets'), `${(options.secrets ?? [SECRET_A]).join('\n')}\n`, { mode: 0o600 });
  await writeUsersFile(path.join(dir, 'users.yaml'), options.users ?? DEFAULT_USERS);
  // The port is chosen up front so the Host tests send (`localhost:<port>` through undici, bare
  // `localhost` in raw requests) can be listed in network.allowedHosts: authgate refuses any other.
  const port = ((options.config.listen as { port?: number } | undefined)?.port || undefined) ?? (await freePort());
  const base = {
    listen: { address: '127.0.0.1', port, tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
    network: { allowedHosts: ['localhost', `localhost:${port}`] },
    publicUrl: 'https://localhost',
    session: { secretsFile: path.join(dir, 'secrets') },
    auth: { providers: [{ type: 'local', name: 'Local accounts', usersFile: path.join(dir, 'users.yaml') }] },
    metrics: { enabled: true },
  };
  const merged: Record<string, unknown> = { ...base, ...options.config };
  for (const key of ['listen', 'network', 'session', 'auth'] as const) {
    if (options.config[key]) merged[key] = { ...(base[key] as object), ...(options.config[key] as object) };
  }
  merged.listen = { ...(merged.listen as object), port };
  // A test's own allowedHosts come on top of the helper's two, not instead of them.
  const extraHosts = (options.config.network as { allowedHosts?: string[] } | undefined)?.allowedHosts ?? [];
  merged.network = { ...(merged.network as object), allowedHosts: [...new Set([...base.network.allowedHosts, ...extraHosts])] };
  const configFile = path.join(dir, 'authgate.yaml');
  const text = stringify(merged);
  writeFileSync(configFile, text);
  const loaded = loadConfigText(text, { fileName: configFile, env: {} });
  if (!loaded.ok) throw new Error(`test config invalid:\n${formatIssues(loaded.issues)}`);
  const audit: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const auditLog = createAuditLog({ file: '-', sink: (line) => void audit.push(line), queryValues: loaded.loaded.config.audit.logQueryValues });
  const app = await startApp({ loaded: loaded.loaded, logger, audit: auditLog, ...(options.now ? { now: options.now } : {}) });
  const agent = new Agent({ connect: { ca: cert.ca }, keepAliveTimeout: 1000 });
  return {
    app,
    url: `https://localhost:${port}`,
    port,
    dir,
    cert,
    configFile,
    origin: new URL(String(merged.publicUrl)).origin,
    audit,
    logs,
    agent,
    async stop() {
      await agent.close();
      await app.stop(1000);
    },
  };
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  setCookies: string[];
}

/** A request through undici with the test CA; never follows redirects. */
export async function fetchText(ag: TestAuthgate, pathname: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<SimpleResponse> {
  const response = await request(`${ag.url}${pathname}`, { dispatcher: ag.agent, method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  const body = await response.body.text();
  const raw = response.headers['set-cookie'];
  return { status: response.statusCode, headers: response.headers, body, setCookies: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw] };
}

/** The `name=value` part of a Set-Cookie. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';', 1)[0] as string;
}

/** Logs in through the real form (GET page for the CSRF cookie and token, then POST). Returns the session cookie pair. */
export async function login(ag: TestAuthgate, username: string, password: string, options: { rd?: string; provider?: string } = {}): Promise<{ response: SimpleResponse; cookie?: string }> {
  const page = await fetchText(ag, `/__authgate__/login${options.rd ? `?rd=${encodeURIComponent(options.rd)}` : ''}`, { headers: { accept: 'text/html' } });
  const csrfCookie = page.setCookies.map(cookiePair).find((c) => c.startsWith('__Host-authgate-csrf=')) ?? '';
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const provider = options.provider ?? /name="provider" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const form = new URLSearchParams({ provider, username, password, csrf: token, rd: options.rd ?? '/' });
  const response = await fetchText(ag, '/__authgate__/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, origin: ag.origin },
    body: form.toString(),
  });
  const session = response.setCookies.map(cookiePair).find((c) => c.startsWith('__Host-authgate=') && c.length > '__Host-authgate='.length);
  return { response, ...(session ? { cookie: session } : {}) };
}

/** Sends bytes exactly as written over TLS and returns everything the server answered before closing (or the timeout). */
export async function rawRequest(ag: TestAuthgate, text: string | Buffer, timeoutMs = 3000): Promise<string> {
  const tls = await import('node:tls');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => socket.write(text));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** A TCP port that was free a moment ago (for configs that must name their port up front). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
