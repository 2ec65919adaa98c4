/**
 * Differential test: authgate in front of REAL routers (Go net/http ServeMux, Flask/werkzeug,
 * Express, R httpuv), each with a /public/ prefix handler, an /admin/ prefix handler, a
 * /p/<x>/terminal/ prefix handler and a catch-all root, answering the handler's name. A corpus of
 * path spellings (known families plus a few hundred generated from a seeded PRNG) goes through
 * authgate as anonymous and as a viewer; no request may be served by a handler the rules deny to
 * that caller. This is the finding that the rules and the upstream saw different paths: authgate
 * resolved `..;`, `%2e%2e` and `%2F` for the rules and forwarded the target as sent, so anonymous
 * `GET /admin/..;/public/x` was judged as /public/x and Go's /admin/ handler answered it.
 *
 * A router that cannot be built or started fails its test with what to install (never skipped):
 * `.ci/install-router-deps.sh` (python3-flask, r-cran-httpuv), Go at /usr/local/go, `npm ci`.
 */
import t from 'tap';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, login, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream } from '../support/upstream.ts';
import { exchange, statusOf } from './support.ts';

const ROUTERS = path.join(import.meta.dirname, 'routers');
const ROOT = path.resolve(import.meta.dirname, '../..');

type Handler = 'public' | 'admin' | 'terminal' | 'root';
type Caller = 'anonymous' | 'viewer';

const RULES = [
  { name: 'public-area', paths: ['/public/**'], action: 'public' },
  { name: 'no-admin', paths: ['/admin/**'], action: 'deny' },
  { name: 'no-terminal-for-viewers', paths: ['/p/*/terminal/**'], roles: ['viewer'], action: 'deny' },
];

/** What the rules above allow each caller to reach (default: authenticated users allowed), stated by hand. */
const ALLOWED: Record<Caller, Record<Handler, boolean>> = {
  anonymous: { public: true, admin: false, terminal: false, root: false },
  viewer: { public: true, admin: false, terminal: false, root: true },
};

const VIEWER = { username: 'vera', password: 'vera-Passw0rd!', role: 'viewer' as const, groups: [] };

/** The families from the hostile review, written out. */
const KNOWN = [
  '/public/x', '/x', '/admin/x', '/p/abc/terminal/1',
  '/admin/..;/public/x', '/admin/../public/x', '/admin/%2e%2e/public/x', '/admin/%2E%2e/public/x', '/admin/.%2e/public/x', '/admin/..;a=b/public/x',
  '/admin%2f..%2fpublic', '/admin%2F..%2Fpublic/x', '/public/..%5cadmin', '/public/..\\admin/x', '/admin/..%5cpublic/x', '/admin/..%3bpublic/x',
  '//admin', '//admin/x', '/./admin', '/./admin/x', '/admin;x/', '/admin;x/y', '/admin/;/x', '/public;/../admin/x', '/public/../admin/x',
  '/p/abc/terminal/1/..;/..;/x', '/p/abc/terminal/1/../../x', '/p/abc/terminal/%2e%2e/%2e%2e/x', '/p/abc/terminal/.;/..;/x', '/p/abc;/terminal/1',
  '/x/../admin/x', '/x/..;/admin/x', '/public/x/../../admin/x', '/p/abc/x/../terminal/1', '/%70/abc/terminal/1', '/p/abc/%74erminal/1',
  '/ADMIN/x', '/Admin/x', '/aDmIn/x', '/PUBLIC/x', '/Public/../admin/x', '/P/abc/TERMINAL/1',
  '/%61dmin/x', '/%41DMIN/x', '/%70ublic/x', '/public%2fx', '/adm%69n/x',
  '/adm%C4%B1n/x', '/%EF%BD%81dmin/x', '/\uff41dmin/x', '/admin\u200b/x', '/admin%E2%80%8B/x', '/public/caf%C3%A9', '/public/caf\u00e9',
  '/admin%00/x', '/admin%20/x', '/admin./x', '/admin%2e/x', '/.admin/x', '/...', '/admin/x#/../../public', '/admin/x?/../../public/x',
  '/public/x?next=/admin/x', '/%2e%2e/admin/x', '/%2fadmin/x', '/%5cadmin/x', '/public/%2e%2e%2fadmin',
];

const SEGMENTS = ['admin', 'public', '..', '.', '%2e', '%2E%2e', '..;', ';x', '%2f', '%5c', '', '%61dmin', 'p', 'abc', 'terminal', 'x', 'ADMIN', '%2e%2e;', 'admin;x', '%70ublic', '%3b', '\\', '%74erminal', 'p;', '1'];
const GENERATED = 300;

/** mulberry32: a small seeded PRNG so every run sends the same generated corpus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(seed: number, count: number): string[] {
  const random = prng(seed);
  const out = new Set<string>();
  for (let i = 0; out.size < count && i < count * 10; i++) {
    const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => SEGMENTS[Math.floor(random() * SEGMENTS.length)] as string);
    out.add(`/${parts.join('/')}${random() < 0.2 ? '/' : ''}`);
  }
  return [...out];
}

const CORPUS = [...new Set([...KNOWN, ...generated(0x5eed, GENERATED)])];

interface RouterSpec {
  name: string;
  /** Whether the router matches paths case-sensitively: authgate's pathCaseSensitive must say the same. */
  caseSensitive: boolean;
  install: string;
  command(port: number): { file: string; args: string[] };
}

let goBinary: string | { error: string } = { error: 'not built' };
const buildDir = mkdtempSync(path.join(os.tmpdir(), 'authgate-routers-'));

const GO = [process.env.GO, '/usr/local/go/bin/go', 'go'].find((g): g is string => !!g && (g === 'go' || existsSync(g))) ?? 'go';

const SPECS: RouterSpec[] = [
  {
    name: 'Go net/http ServeMux',
    caseSensitive: true,
    install: `a Go toolchain (https://go.dev/dl/ at /usr/local/go, or set GO=/path/to/go); the build said: `,
    command: (port) => ({ file: typeof goBinary === 'string' ? goBinary : '/nonexistent/go-router', args: [String(port)] }),
  },
  {
    name: 'Flask (werkzeug)',
    caseSensitive: true,
    install: 'Debian python3-flask for /usr/bin/python3 (bash .ci/install-router-deps.sh as root)',
    command: (port) => ({ file: '/usr/bin/python3', args: [path.join(ROUTERS, 'flask-router.py'), String(port)] }),
  },
  {
    name: 'Express',
    // Express routes case-insensitively by default, so authgate in front of it uses pathCaseSensitive: false.
    caseSensitive: false,
    install: 'the npm devDependency express (npm ci)',
    command: (port) => ({ file: process.execPath, args: [path.join(ROUTERS, 'express-router.mjs'), String(port)] }),
  },
  {
    name: 'R httpuv',
    caseSensitive: true,
    install: 'Debian r-base-core and r-cran-httpuv (bash .ci/install-router-deps.sh as root)',
    command: (port) => ({ file: 'Rscript', args: [path.join(ROUTERS, 'httpuv-router.R'), String(port)] }),
  },
];

t.before(async () => {
  try {
    const binary = path.join(buildDir, 'go-router');
    await promisify(execFile)(GO, ['build', '-o', binary, path.join(ROUTERS, 'go-router.go')], {
      cwd: buildDir,
      timeout: 120_000,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '' },
    });
    goBinary = binary;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    goBinary = { error: (e.stderr || e.message).trim().slice(0, 500) };
  }
});
t.teardown(() => rmSync(buildDir, { recursive: true, force: true }));

/** GET straight to the router (no authgate): its handler name for a path, or undefined. */
function direct(port: number, target: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(/handler=(\w+)/.exec(body)?.[1]));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts a router process and waits (at most 20 s) until it answers; throws with what to install. */
async function startRouter(spec: RouterSpec): Promise<{ port: number; child: ChildProcess }> {
  if (spec.name.startsWith('Go') && typeof goBinary !== 'string') throw new Error(`${spec.name} could not be built: install ${spec.install}${goBinary.error}`);
  const port = await freePort();
  const { file, args } = spec.command(port);
  const child = spawn(file, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-2000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-2000)));
  let failure: string | undefined;
  child.on('error', (e) => (failure = e.message));
  child.on('exit', (code, signal) => (failure ??= `exited (${code ?? signal})`));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && failure === undefined) {
    if ((await direct(port, '/public/x')) === 'public') return { port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${spec.name} router did not start (${failure ?? 'no answer within 20 s'}): install ${spec.install}. Output: ${output.trim().slice(-500)}`);
}

function stopRouter(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Outcome {
  target: string;
  status: number;
  handler?: Handler;
  saw?: string;
}

async function send(ag: TestAuthgate, target: string, cookie: string | undefined): Promise<Outcome> {
  const head = [`GET ${target} HTTP/1.1`, 'Host: localhost', 'Accept: text/plain', ...(cookie ? [`Cookie: ${cookie}`] : []), 'Connection: close', '', ''].join('\r\n');
  const answer = await exchange(ag, Buffer.from(head, 'utf8'), { timeoutMs: 5000 });
  const handler = /handler=(\w+)/.exec(answer)?.[1] as Handler | undefined;
  const saw = /path=([^\n]*)/.exec(answer)?.[1];
  return { target, status: statusOf(answer), ...(handler ? { handler } : {}), ...(saw !== undefined ? { saw } : {}) };
}

/** Sends every target with at most `parallel` in flight. */
async function sendAll(ag: TestAuthgate, targets: string[], cookie: string | undefined, parallel = 6): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < targets.length) {
        const target = targets[next++] as string;
        out.push(await send(ag, target, cookie));
      }
    }),
  );
  return out;
}

for (const spec of SPECS) {
  t.test(`${spec.name}: no request reaches a handler the rules deny to its caller`, async (t) => {
    let router: { port: number; child: ChildProcess };
    try {
      router = await startRouter(spec);
    } catch (error) {
      t.fail((error as Error).message);
      return;
    }
    t.teardown(() => stopRouter(router.child));
    // The premise: without authgate, this router routes the traversal under the prefix it starts with.
    t.equal(await direct(router.port, '/admin/..;/public/x'), 'admin', 'directly, /admin/..;/public/x reaches the admin handler');
    t.equal(await direct(router.port, '/p/abc/terminal/1/..;/..;/x'), 'terminal', 'directly, /p/abc/terminal/1/..;/..;/x reaches the terminal handler');

    const ag = await startAuthgate({
      users: [VIEWER],
      config: { upstream: { url: `http://127.0.0.1:${router.port}` }, authorization: { defaultAction: 'allow', pathCaseSensitive: spec.caseSensitive, rules: RULES } },
    });
    t.teardown(() => ag.stop());
    const viewerCookie = (await login(ag, VIEWER.username, VIEWER.password)).cookie;
    t.ok(viewerCookie, 'the viewer logged in');

    const started = Date.now();
    for (const caller of ['anonymous', 'viewer'] as const) {
      const outcomes = await sendAll(ag, CORPUS, caller === 'viewer' ? viewerCookie : undefined);
      const served = outcomes.filter((o) => o.handler !== undefined);
      const violations = served.filter((o) => !ALLOWED[caller][o.handler as Handler]);
      t.same(
        violations.map((o) => `${o.target} -> ${o.handler} handler (saw ${JSON.stringify(o.saw)}, status ${o.status})`),
        [],
        `${caller}: none of ${outcomes.length} targets reached a handler the rules deny to ${caller}`,
      );
      t.same(outcomes.filter((o) => o.status === 0 || o.status >= 500).map((o) => `${o.target}: ${o.status}`), [], `${caller}: every target got an answer below 500`);
      const byHandler = (h: Handler) => served.filter((o) => o.handler === h).length;
      t.comment(`${spec.name}, ${caller}: ${outcomes.length} targets, ${served.length} served (public ${byHandler('public')}, root ${byHandler('root')}), ${outcomes.filter((o) => o.status === 400).length} refused with 400`);
      // Not vacuous: the plain forms are served by the handler they name.
      const find = (target: string) => outcomes.find((o) => o.target === target);
      t.equal(find('/public/x')?.handler, 'public', `${caller}: /public/x reaches the public handler`);
      t.equal(find('/%70ublic/x')?.handler, 'public', `${caller}: /%70ublic/x reaches the public handler (forwarded as /public/x)`);
      if (caller === 'viewer') t.equal(find('/x')?.handler, 'root', 'viewer: /x reaches the root handler');
      t.equal(find('/admin/..;/public/x')?.status, 400, `${caller}: /admin/..;/public/x is refused with 400`);
    }
    t.ok(Date.now() - started < 120_000, `the corpus ran within 120 s (${Date.now() - started} ms)`);
  });
}

t.test('WebSocket: a viewer cannot upgrade through a terminal traversal; accepted upgrades go upstream in canonical form', async (t) => {
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const ag = await startAuthgate({ users: [VIEWER], config: { upstream: { url: upstream.url }, authorization: { defaultAction: 'allow', rules: RULES } } });
  t.teardown(() => ag.stop());
  const cookie = (await login(ag, VIEWER.username, VIEWER.password)).cookie!;
  const upgrade = async (target: string) => {
    const before = upstream.upgrades.length;
    const text = [`GET ${target} HTTP/1.1`, 'Host: localhost', `Cookie: ${cookie}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n');
    const status = statusOf(await exchange(ag, text, { until: /\r\n\r\n/ }));
    return { status, reached: upstream.upgrades.slice(before).map((u) => u.url) };
  };
  const terminal = /^\/p\/[^/]+\/terminal(\/|$)/;
  for (const target of [
    '/p/abc/terminal/1/..;/..;/x', '/p/abc/terminal/..;/x', '/p/abc/terminal/1/../../x', '/p/abc/terminal/%2e%2e/%2e%2e/x', '/p/abc/terminal/.%2e/x',
    '/p/abc/terminal%2f..%2f..%2fx', '/p/abc/terminal/1/..%5c..%5cx', '/p/abc;/terminal/1', '/p/abc/terminal;/1', '/p/abc/terminal/1',
  ]) {
    const { status, reached } = await upgrade(target);
    t.not(status, 101, `${target}: not upgraded (${status})`);
    t.same(reached.filter((u) => terminal.test(u)), [], `${target}: nothing under /p/*/terminal/ reached the upstream`);
    t.same(reached, [], `${target}: no upgrade reached the upstream`);
  }
  const accepted = await upgrade('/p/abc//ws/%78');
  t.equal(accepted.status, 101, 'a permitted upgrade still works');
  t.same(accepted.reached, ['/p/abc/ws/x'], 'and reaches the upstream in canonical form');
});
