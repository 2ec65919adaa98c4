/**
 * The built-in diagnostic upstream (`authgate whoami-upstream`, and the demo default's upstream):
 * shows the request headers it received and the verified identity assertion.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { escapeHtml, layout } from '../server/routes/pages.ts';

export interface WhoamiOptions {
  port: number;
  host?: string;
  /** Where the assertion is and how to verify it. */
  assertionHeader: string;
  jwks: () => Promise<JSONWebKeySet> | JSONWebKeySet;
  issuer?: string;
}

export async function startWhoami(options: WhoamiOptions): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    let verified: string;
    const token = req.headers[options.assertionHeader.toLowerCase()];
    if (typeof token !== 'string') verified = 'no assertion header (public route or unauthenticated)';
    else {
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet(await options.jwks()), { algorithms: ['ES256'], ...(options.issuer ? { issuer: options.issuer } : {}) });
        verified = `valid ES256 signature\n${JSON.stringify(payload, null, 2)}`;
      } catch (error) {
        verified = `INVALID: ${(error as Error).message}`;
      }
    }
    const rows = Object.entries(req.headers)
      .filter(([name]) => name !== 'cookie')
      .map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td><code>${escapeHtml(name === options.assertionHeader.toLowerCase() ? `${String(value).slice(0, 40)}…` : String(value))}</code></td></tr>`)
      .join('');
    const body = layout(
      'whoami: what the upstream received',
      `<h1>Hello, ${escapeHtml(String(req.headers['x-auth-username'] ?? req.headers['x-rstudio-username'] ?? 'anonymous'))}</h1>
<p class="muted">This is authgate's built-in diagnostic upstream. It shows what a protected server receives.</p>
<p><a href="/__authgate__/logout">Sign out</a></p>
<h2>Assertion</h2><pre>${escapeHtml(verified)}</pre><h2>Request</h2><p><code>${escapeHtml(`${req.method} ${req.url}`)}</code></p>
<table>${rows}</table>`,
    ).replace('max-width:26rem', 'max-width:60rem');
    if ((req.headers.accept ?? '').includes('application/json')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, assertion: verified }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
