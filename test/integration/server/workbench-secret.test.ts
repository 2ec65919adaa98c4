/**
 * Same-host impersonation (issue 17): R sessions run on the Workbench host and reach rserver on
 * loopback. `authgate workbench-secret` writes a secret header name and prints the rserver.conf
 * lines; the upstream here reads rserver.conf the way Workbench's proxied authentication is
 * documented to (the user is named by the header `auth-proxy-user-header` names; a request
 * without it is sent to `auth-proxy-sign-in-url`), from the lines the command printed. Real
 * sockets: authgate in front, and a "session" process calling the upstream directly.
 */
import t from 'tap';
import http from 'node:http';
import { mkdtempSync, statSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../src/cli/main.ts';
import { startAuthgate, fetchText, login, SECRET_A } from '../../support/authgate.ts';
import { makeTestCert } from '../../support/tls.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end('');
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await main(argv, { stdout: out, stderr: err, stdin: input, env: {}, cwd: ROOT });
  return { code, stdout, stderr };
}

/** The key=value lines of an rserver.conf text. */
function rserverConf(text: string): Map<string, string> {
  const conf = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z-]+)=(.*)$/.exec(line.trim());
    if (m) conf.set(m[1] as string, m[2] as string);
  }
  return conf;
}

/** An upstream applying rserver's proxied authentication from an rserver.conf. */
async function startProxiedAuthUpstream(conf: Map<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const header = (conf.get('auth-proxy-user-header') ?? 'X-RStudio-Username').toLowerCase();
  const signIn = conf.get('auth-proxy-sign-in-url') ?? '';
  const server = http.createServer((req, res) => {
    const user = req.headers[header];
    if (typeof user !== 'string' || user === '') {
      res.writeHead(302, { location: signIn }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`session of ${user}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What code in an R session does: call rserver on loopback, naming a user. */
function fromSession(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(`${url}/`, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

t.test('workbench-secret: a secret header name for authgate and Workbench; a session on the host cannot name it', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-wbsecret-'));
  const file = path.join(dir, 'username-header');
  const made = await cli(['workbench-secret', '--out', file, '--public-url', 'https://rstudio.example.com']);
  t.equal(made.code, 0, made.stderr);
  t.equal(statSync(file).mode & 0o777, 0o600, 'written 0600');
  const name = readFileSync(file, 'utf8').trim();
  t.match(name, /^X-RStudio-User-[0-9a-f]{32}$/);
  const conf = rserverConf(made.stdout);
  t.equal(conf.get('auth-proxy'), '1');
  t.equal(conf.get('auth-proxy-user-header'), name, 'Workbench gets the same name');
  t.equal(conf.get('auth-proxy-sign-in-url'), 'https://rstudio.example.com/__authgate__/login');
  t.equal(conf.get('auth-proxy-sign-out-url'), 'https://rstudio.example.com/__authgate__/logout');
  t.match(made.stdout, `usernameFile: ${file}`);
  t.match(made.stdout, 'chmod 600 /etc/rstudio/rserver.conf');

  const again = await cli(['workbench-secret', '--out', file]);
  t.equal(again.code, 1, 'an existing name is never replaced silently');
  t.match(again.stderr, 'it exists; --force replaces it');
  t.equal(readFileSync(file, 'utf8').trim(), name);

  const upstream = await startProxiedAuthUpstream(conf);
  t.teardown(() => upstream.close());
  const ag = await startAuthgate({ config: { upstream: { url: upstream.url, profile: 'workbench' }, identity: { headers: { usernameFile: file } } } });
  t.teardown(() => ag.stop());

  const { cookie } = await login(ag, 'alice', 'alice-Passw0rd!');
  if (!cookie) throw new Error('alice could not log in');
  t.equal((await fetchText(ag, '/', { headers: { cookie } })).body, 'session of alice', 'through authgate: the secret header names alice');
  const smuggled = await fetchText(ag, '/', { headers: { cookie, [name]: 'root', 'x-rstudio-username': 'root' } });
  t.equal(smuggled.body, 'session of alice', "a client's copy of the secret header is stripped");

  const direct = await fromSession(upstream.url, { 'X-RStudio-Username': 'alice' });
  t.equal(direct.status, 302, 'a session on the host naming a user in the default header is not signed in');
  t.equal(direct.body, '');
});

t.test('check-config: warns about the default header name with the workbench profile; checks the file', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-wbcheck-'));
  const cert = makeTestCert('localhost', dir);
  writeFileSync(path.join(dir, 'secrets'), `${SECRET_A}\n`);
  const base = `listen: { tls: { certFile: ${cert.certFile}, keyFile: ${cert.keyFile} } }\npublicUrl: https://localhost\nsession: { secretsFile: ${dir}/secrets }\n`;
  const check = async (name: string, rest: string) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, base + rest);
    return { file, ...(await cli(['check-config', '--config', file])) };
  };
  const DEFAULT_WARNING = 'identity.headers.username: the workbench profile sends the username in X-RStudio-Username, a name any program on the Workbench host (code in an R session) can send to rserver on loopback as another user; give Workbench a secret header name: `authgate workbench-secret --out FILE` writes it for identity.headers.usernameFile and prints the rserver.conf lines (docs/workbench.md)';

  const plain = await check('plain', 'upstream: { url: "http://127.0.0.1:8787", profile: workbench }\n');
  t.equal(plain.code, 0, plain.stderr);
  t.match(plain.stderr, DEFAULT_WARNING);
  const spelled = await check('spelled', 'upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { username: x-rstudio-username } }\n');
  t.match(spelled.stderr, DEFAULT_WARNING, 'the default name spelled out warns too');
  const connect = await check('connect', 'upstream: { url: "http://127.0.0.1:3939", profile: connect }\n');
  t.notMatch(connect.stderr, 'X-RStudio-Username', 'not for Connect');

  const headerFile = path.join(dir, 'header');
  writeFileSync(headerFile, 'X-RStudio-User-0123456789abcdef0123456789abcdef\n', { mode: 0o600 });
  const secure = await check('secure', `upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { usernameFile: ${headerFile} } }\n`);
  t.equal(secure.code, 0, secure.stderr);
  t.notMatch(secure.stderr, 'identity.headers', 'no warning about the header');

  chmodSync(headerFile, 0o644);
  const open = await check('open', `upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { usernameFile: ${headerFile} } }\n`);
  t.match(open.stderr, `identity.headers.usernameFile: "${headerFile}" is readable by every user (mode 0644); the header name is a secret: chmod 600 it`);

  const badFile = path.join(dir, 'bad-header');
  writeFileSync(badFile, 'X-RStudio-User: alice\n', { mode: 0o600 });
  const bad = await check('bad', `upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { usernameFile: ${badFile} } }\n`);
  t.equal(bad.code, 1);
  t.match(bad.stderr, `identity.headers.usernameFile: "${badFile}" must hold one HTTP header name on one line (such as the one \`authgate workbench-secret\` writes)`);
  const both = await check('both', `upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { username: X-Secret, usernameFile: ${headerFile} } }\n`);
  t.equal(both.code, 1);
  t.match(both.stderr, 'identity.headers.usernameFile: is set together with identity.headers.username; keep one (the file keeps the name out of the configuration)');
  const missing = await check('missing', `upstream: { url: "http://127.0.0.1:8787", profile: workbench }\nidentity: { headers: { usernameFile: ${dir}/nope } }\n`);
  t.equal(missing.code, 1);
  t.match(missing.stderr, `identity.headers.usernameFile: "${dir}/nope" does not exist`);
});
