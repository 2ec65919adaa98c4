/**
 * Path normalisation for rule matching, so a rule for `/terminal` also catches `/%74erminal`,
 * `//terminal` and `/x/../terminal`. Pure. The request is forwarded with its original path;
 * only matching uses the normalised form. Paths that cannot be normalised safely are refused.
 */

export type NormalisedPath = { ok: true; path: string } | { ok: false; reason: string };

const MAX_PATH = 8192;

export function normalisePath(target: string, caseSensitive = true): NormalisedPath {
  const queryAt = target.search(/[?#]/);
  const raw = queryAt === -1 ? target : target.slice(0, queryAt);
  if (raw.length > MAX_PATH) return { ok: false, reason: 'path too long' };
  if (!raw.startsWith('/')) return { ok: false, reason: 'path must start with /' };
  if (/[\x00-\x20\x7f\\]/.test(raw)) return { ok: false, reason: 'control character, space or backslash in path' };
  let decoded: string;
  try {
    decoded = decodeStrict(raw);
  } catch {
    return { ok: false, reason: 'malformed percent-encoding or invalid UTF-8' };
  }
  if (/[\x00-\x1f\x7f\\]/.test(decoded)) return { ok: false, reason: 'encoded control character or backslash in path' };
  if (/%[0-9A-Fa-f]{2}/.test(decoded)) return { ok: false, reason: 'double percent-encoding in path' };
  const segments: string[] = [];
  for (const part of decoded.split('/')) {
    const segment = part.split(';', 1)[0] as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  const trailing = decoded.endsWith('/') && segments.length > 0 ? '/' : '';
  const path = `/${segments.join('/')}${trailing}`;
  return { ok: true, path: caseSensitive ? path : path.toLowerCase() };
}

/** decodeURIComponent that refuses overlong or invalid UTF-8 (it throws on both). */
function decodeStrict(text: string): string {
  return text.includes('%') ? decodeURIComponent(text) : text;
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
