/** Cookie parsing and Set-Cookie building. Hostile Cookie headers give an empty result, never an error. */

const MAX_COOKIE_HEADER = 16_384;
const MAX_PAIRS = 300;

/** Value of one cookie by name (first occurrence), or undefined. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (text.length > MAX_COOKIE_HEADER) return undefined;
  let start = 0;
  for (let pairs = 0; start < text.length && pairs < MAX_PAIRS; pairs++) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end && text.slice(start, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
    start = end + 1;
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  sameSite?: 'Lax' | 'Strict' | 'None';
  path?: string;
}

/** A `__Host-` cookie: Secure, HttpOnly, Path=/, no Domain. */
export function hostCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`__Host-${name}=${value}`, 'Path=/', 'Secure', 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  return parts.join('; ');
}

export function clearHostCookie(name: string): string {
  return hostCookie(name, '', { maxAgeSeconds: 0 });
}

/** Removes our own cookies from the Cookie header sent upstream (the upstream never needs them). */
export function withoutCookies(header: string, prefix: string): string {
  return header
    .split(';')
    .filter((pair) => !pair.trim().startsWith(prefix))
    .join(';')
    .trim();
}
