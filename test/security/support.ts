/** Small helpers shared by the hostile-input suite: raw exchanges over TLS and views of what the upstream saw. */
import tls from 'node:tls';
import type { TestAuthgate } from '../helpers/authgate.ts';
import type { Received } from '../helpers/upstream.ts';

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
