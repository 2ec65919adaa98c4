/** Small helpers shared by the hostile-input suite: raw exchanges over TLS and views of what the upstream saw. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { deriveSessionKeys, type SessionKeys } from '../../src/session/index.ts';
import { cookiePair, fetchText, freePort, SECRET_A, startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { startUpstream, type Received, type TestUpstream } from '../support/upstream.ts';

/** The value every spoofed header carries, so the upstream's view can be searched for it. */
export const SPOOF = 'spoofed-by-client';

/**
 * Writes `text` over TLS and collects the answer until `until` matches it, the server closes,
 * or `timeoutMs` passes (then whatever arrived is returned). Never throws for a reset after data.
 */
export function exchange(ag: TestAuthgate, text: string | Buffer, options: { until?: RegExp; timeoutMs?: number } = {}): Promise<string> {
  const { until, timeoutMs = 3000 } = options;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tls.connect({ host: '127.0.0.1', port: ag.port, ca: ag.cert.ca, servername: 'localhost' }, () => socket.write(text));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (until?.test(Buffer.concat(chunks).toString('latin1'))) done();
    });
    socket.on('error', (error) => {
      if (chunks.length > 0) return done();
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', done);
  });
}

/** Status code of the first response in a raw answer (0 when there is none). */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** Every response status in a raw answer, in order (pipelined requests answer one after another). */
export function statusesOf(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

/** `[canonical name, value]` pairs of a received request: lower-case, `_` read as `-` (as CGI-style upstreams do). */
export function canonicalPairs(r: Received): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) out.push([(r.rawHeaders[i] as string).toLowerCase().replace(/_/g, '-'), r.rawHeaders[i + 1] as string]);
  return out;
}

/** Values the upstream received under one canonical name. */
export function valuesOf(r: Received, name: string): string[] {
  const wanted = name.toLowerCase().replace(/_/g, '-');
  return canonicalPairs(r)
    .filter(([n]) => n === wanted)
    .map(([, v]) => v);
}

/** A raw HTTP/1.1 request; `lines` are header lines written exactly as given. */
export function rawGet(path: string, lines: string[], method = 'GET'): string {
  return [`${method} ${path} HTTP/1.1`, 'Host: localhost', ...lines, 'Connection: close', '', ''].join('\r\n');
}

/** Waits until `check` is true, polling, for at most `ms`. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

export interface OidcSetup {
  ag: TestAuthgate;
  upstream: TestUpstream;
  idps: TestOidcProvider[];
  publicUrl: string;
  /** Callback URL of provider `id`. */
  callback(id: string): string;
  stop(): Promise<void>;
}

/**
 * authgate on a fixed port with a local provider and one OIDC provider per id, each backed by
 * its own real oidc-provider (`idp-a`, `idp-b`…), in front of a recording upstream.
 */
export async function startOidcAuthgate(ids: string[], extra: Record<string, unknown> = {}): Promise<OidcSetup> {
  const port = await freePort();
  const publicUrl = `https://localhost:${port}`;
  const callback = (id: string) => `${publicUrl}/__authgate__/callback/${id}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-sec-oidc-'));
  const idps: TestOidcProvider[] = [];
  const providers: Record<string, unknown>[] = [{ type: 'local', name: 'Local accounts', usersFile: path.join(dir, 'users.yaml') }];
  for (const id of ids) {
    const idp = await startOidcProvider({ redirectUris: [callback(id)], postLogoutRedirectUris: [`${publicUrl}/__authgate__/login`] });
    idps.push(idp);
    writeFileSync(path.join(dir, `${id}-ca.pem`), idp.caPem);
    writeFileSync(path.join(dir, `${id}-secret`), idp.clientSecret);
    providers.push({ type: 'oidc', id, name: `SSO ${id}`, issuer: idp.issuer, clientId: idp.clientId, clientSecretFile: path.join(dir, `${id}-secret`), caFile: path.join(dir, `${id}-ca.pem`), groupsClaim: 'groups' });
  }
  const upstream = await startUpstream();
  const ag = await startAuthgate({ dir, config: { listen: { address: '127.0.0.1', port }, publicUrl, upstream: { url: upstream.url }, auth: { providers }, ...extra } });
  return {
    ag,
    upstream,
    idps,
    publicUrl,
    callback,
    async stop() {
      await ag.stop();
      await upstream.close();
      await Promise.all(idps.map((i) => i.stop()));
    },
  };
}

/** Starts the OIDC login at authgate for provider `id`: the IdP URL and the transaction cookie pair. */
export async function startOidcLogin(ag: TestAuthgate, id: string, rd = '/'): Promise<{ location: string; txCookie: string; status: number }> {
  const start = await fetchText(ag, `/__authgate__/login/${id}?rd=${encodeURIComponent(rd)}`);
  const tx = start.setCookies.find((c) => c.startsWith('__Host-authgate-oidc='));
  return { location: String(start.headers.location ?? ''), txCookie: tx ? cookiePair(tx) : '', status: start.status };
}

/** Session keys of the helper's default secret, to look inside cookies authgate sealed. */
export const defaultKeys = (): SessionKeys => deriveSessionKeys([SECRET_A]);
