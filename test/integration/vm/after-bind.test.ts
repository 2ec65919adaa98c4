/**
 * The hook the privilege drop runs in: every port is bound when `afterBind` runs (connections
 * made meanwhile wait in the kernel's backlog), requests are served once it returns, and a
 * throwing hook fails the start with every port closed again. Why no connection can be handled
 * before the hook is explained at bindAll in src/server/listeners.ts.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Agent, request } from 'undici';
import { loadConfigText, formatIssues } from '../../../src/config/index.ts';
import { createAuditLog, createLogger } from '../../../src/observability/index.ts';
import { startApp } from '../../../src/server/app.ts';
import { makeTestCert } from '../../support/tls.ts';
import { freePort, SECRET_A } from '../../support/authgate.ts';

async function configured() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-afterbind-'));
  const cert = makeTestCert('localhost', dir);
  writeFileSync(path.join(dir, 'secrets'), `${SECRET_A}\n`);
  const ports = { https: await freePort(), redirect: await freePort(), metrics: await freePort() };
  const text = stringify({
    listen: { address: '127.0.0.1', port: ports.https, httpRedirectPort: ports.redirect, tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
    publicUrl: `https://localhost:${ports.https}`,
    upstream: { url: 'http://127.0.0.1:9' },
    session: { secretsFile: path.join(dir, 'secrets') },
    auth: { providers: [] },
    metrics: { enabled: true, port: ports.metrics },
  });
  const loaded = loadConfigText(text, { fileName: path.join(dir, 'authgate.yaml'), env: {} });
  if (!loaded.ok) throw new Error(formatIssues(loaded.issues));
  const logger = createLogger({ level: 'error', destination: { write: () => undefined } });
  const audit = createAuditLog({ file: '-', sink: () => undefined });
  return { cert, ports, options: { loaded: loaded.loaded, logger, audit } };
}

/** Blocks this process (so no callback can run here) while another process opens a TCP connection. */
function connectsFromOutside(port: number): boolean {
  const script = `const s=require('net').connect(${port},'127.0.0.1',()=>{s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),3000)`;
  return spawnSync(process.execPath, ['-e', script]).status === 0;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

t.test('afterBind runs once every port is bound; serving starts after it returns', async (t) => {
  const c = await configured();
  const seen: Record<string, boolean> = {};
  const app = await startApp({
    ...c.options,
    afterBind: () => {
      for (const [name, port] of Object.entries(c.ports)) seen[name] = connectsFromOutside(port);
    },
  });
  t.teardown(() => app.stop(1000));
  t.same(seen, { https: true, redirect: true, metrics: true }, 'all three ports accepted TCP connections while the hook ran');
  const agent = new Agent({ connect: { ca: c.cert.ca } });
  t.teardown(() => agent.close());
  const r = await request(`https://localhost:${c.ports.https}/__authgate__/healthz`, { dispatcher: agent });
  t.equal(r.statusCode, 200, 'served normally once the hook returned');
  await r.body.dump();
});

t.test('a throwing afterBind fails the start and leaves no port bound', async (t) => {
  const c = await configured();
  const boom = new Error('privilege drop failed');
  await t.rejects(startApp({ ...c.options, afterBind: () => { throw boom; } }), boom);
  for (const [name, port] of Object.entries(c.ports)) t.ok(await portFree(port), `${name} port ${port} is free again`);
});
