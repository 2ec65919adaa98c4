/**
 * The request target that rules judge and the upstream receives. Pure. A target is either
 * refused (a spelling that routers read differently: dot segments, encoded `/`, `\`, `;`,
 * control characters, double encoding, invalid UTF-8, `#`) or turned into one canonical form,
 * which is forwarded; rules match the decoded form of that same canonical path, so the rules and
 * the upstream never see different paths.
 */

/** `target`: what to send upstream (canonical path + the original query); `path`: what rules match. */
export type CheckedTarget = { ok: true; target: string; path: string } | { ok: false; reason: string };

const MAX_PATH = 8192;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** pchar (RFC 3986) minus `;`, `%` and the unreserved set: kept as they are. */
const SUB_DELIMS = /^[!$&'()*+,=:@]$/;
const HEX = '0123456789ABCDEF';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const hex = (byte: number) => `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/**
 * Checks a request target (origin form: `/path?query`) and gives its canonical form: escapes of
 * unreserved characters (ALPHA DIGIT - . _ ~) decoded, every other escape kept with upper-case hex,
 * other characters outside pchar (raw UTF-8 bytes, `"`, `<`, `[`…) percent-encoded, empty
 * segments (`//`) collapsed, a trailing slash kept, then the query exactly as sent. The match
 * path is the decoded canonical path, lower-cased when `caseSensitive` is false.
 * Node hands the target over as latin1, one character per byte; characters above U+00FF (from
 * another caller) are read as their UTF-8 bytes.
 */
export function checkTarget(target: string, caseSensitive = true): CheckedTarget {
  // A request target never carries a fragment (RFC 9112 §3.2); Go's ParseRequestURI reads `#/../x` as path.
  if (target.includes('#')) return { ok: false, reason: 'fragment (#) in request target' };
  const queryAt = target.indexOf('?');
  const raw = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt);
  if (raw.length > MAX_PATH) return { ok: false, reason: 'path too long' };
  if (!raw.startsWith('/')) return { ok: false, reason: 'path must start with /' };
  if (/[\x00-\x20\x7f]/.test(raw)) return { ok: false, reason: 'control character or space in path' };
  if (LONE_SURROGATE.test(raw)) return { ok: false, reason: 'invalid or overlong UTF-8 in path' };
  const canonical: string[] = [];
  const decoded: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    const segment = readSegment(part);
    if ('reason' in segment) return { ok: false, reason: segment.reason };
    canonical.push(segment.canonical);
    decoded.push(segment.decoded);
  }
  const trailing = raw.endsWith('/') && canonical.length > 0 ? '/' : '';
  const path = `/${decoded.join('/')}${trailing}`;
  return { ok: true, target: `/${canonical.join('/')}${trailing}${query}`, path: caseSensitive ? path : path.toLowerCase() };
}

function readSegment(part: string): { canonical: string; decoded: string } | { reason: string } {
  let canonical = '';
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '%') {
      if (!isHex(part[i + 1]) || !isHex(part[i + 2])) return { reason: 'malformed percent-encoding (a % not followed by two hex digits)' };
      const byte = parseInt(part.slice(i + 1, i + 3), 16);
      i += 2;
      bytes.push(byte);
      const char = String.fromCharCode(byte);
      canonical += UNRESERVED.test(char) ? char : hex(byte);
      continue;
    }
    const code = c.charCodeAt(0);
    if (code > 0xff) {
      const wide = String.fromCodePoint(part.codePointAt(i) as number);
      i += wide.length - 1;
      for (const byte of utf8Encoder.encode(wide)) {
        bytes.push(byte);
        canonical += hex(byte);
      }
      continue;
    }
    bytes.push(code);
    canonical += UNRESERVED.test(c) || SUB_DELIMS.test(c) ? c : hex(code);
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { reason: 'invalid or overlong UTF-8 in path' };
  }
  if (/[\x00-\x1f\x7f]/.test(decoded)) return { reason: 'encoded control character (such as %00 or %0A) in path' };
  const beforeParams = decoded.split(';', 1)[0];
  if (beforeParams === '.' || beforeParams === '..') {
    const spelled = part.length > 40 ? `${part.slice(0, 40)}…` : part;
    return { reason: spelled === beforeParams ? `dot segment "${spelled}" in path` : `dot segment "${spelled}" (read as "${beforeParams}") in path` };
  }
  if (decoded.includes('/')) return { reason: 'encoded slash (%2F) in path' };
  if (decoded.includes('\\')) return { reason: 'backslash (raw or %5C) in path' };
  if (decoded.includes(';')) return { reason: 'semicolon (raw or %3B) in path: path parameters are read differently by different servers' };
  if (/%[0-9A-Fa-f]{2}/.test(decoded)) return { reason: 'double percent-encoding in path' };
  return { canonical, decoded };
}

/**
 * A rule path: `*` is one segment, `**` any number of segments (zero included: `/a/**` + `/b`
 * matches `/a/b`); a trailing `/**` also matches the prefix itself. A pattern without
 * wildcards matches that path and everything below it.
 */
export function compilePathPattern(pattern: string, caseSensitive = true): RegExp {
  let p = pattern.startsWith('/') ? pattern : `/${pattern}`;
  if (!p.includes('*')) p = `${p.replace(/\/+$/, '')}/**`;
  let source = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      // `/**` at the end or `/**/` in the middle: zero or more whole segments.
      if (source.endsWith('/') && (i === p.length - 1 || p[i + 1] === '/')) {
        source = `${source.slice(0, -1)}(?:/.*)?`;
      } else {
        source += '.*';
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  if (source === '') source = '/';
  return new RegExp(`^${source}/?$`, caseSensitive ? '' : 'i');
}
