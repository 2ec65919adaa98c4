/**
 * The return-to path after login or logout: only ever a same-origin path. Anything with a
 * scheme, a host, backslashes, control characters or encoded tricks falls back to `/`. Pure.
 */
const MAX_LENGTH = 2048;

export function safeReturnTo(candidate: unknown): string {
  // The result comes back here (the login form carries it to the POST; OIDC seals it and reads it
  // back), so it must be accepted as it is: the URL parser's own rewriting (`/./http:` -> `/http:`,
  // `/%"` -> `/%%22`) used to yield values the next pass refused.
  const once = judge(candidate);
  return judge(once) === once ? once : '/';
}

function judge(candidate: unknown): string {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > MAX_LENGTH) return '/';
  // Decode repeatedly (at most 3 times) so %2F%2F and %252F%252F are judged as what a browser may see.
  let probe = candidate;
  for (let i = 0; i < 3 && /%[0-9A-Fa-f]{2}/.test(probe); i++) {
    try {
      probe = decodeURIComponent(probe);
    } catch {
      return '/';
    }
  }
  for (const text of [candidate, probe]) {
    if (!text.startsWith('/')) return '/';
    if (text.startsWith('//') || text.startsWith('/\\')) return '/';
    if (/[\x00-\x1f\x7f\\]/.test(text)) return '/';
    if (/^\/[^/?#]*:/.test(text) && /^[a-z][a-z0-9+.-]*:/i.test(text.slice(1))) return '/';
  }
  // The URL parser is the final judge: resolved against a dummy origin, it must stay there.
  try {
    const url = new URL(candidate, 'https://authgate.invalid');
    if (url.origin !== 'https://authgate.invalid') return '/';
    if (url.pathname.startsWith('/__authgate__/') || url.pathname === '/__authgate__') return '/';
    const result = `${url.pathname}${url.search}${url.hash}`;
    // Dot-segment removal can turn `/.//evil.example` into `//evil.example`: judge the result too.
    if (result.startsWith('//') || result.startsWith('/\\')) return '/';
    return result;
  } catch {
    return '/';
  }
}
