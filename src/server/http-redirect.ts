/**
 * Pure: where the plain-HTTP listener sends a request. Only ever to publicUrl's origin; the
 * request's path and query are kept when they are an ordinary origin-form target, anything else
 * (`//host`, `/\host`, an absolute URL, control characters, a fragment) goes to publicUrl's root.
 * The path is sent on in the canonical form the HTTPS port's rules judge (checkTarget).
 */
import { checkTarget } from '../policy/index.ts';

/** An origin-form target: one leading `/`, then only RFC 3986 path/query characters (no `\`, `#`, spaces or controls). */
const SAFE_TARGET = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const MAX_TARGET = 8192;

export function httpsRedirectLocation(publicUrl: URL, requestTarget: string | undefined): string {
  const root = publicUrl.origin + (publicUrl.pathname.endsWith('/') ? publicUrl.pathname : `${publicUrl.pathname}/`);
  const target = requestTarget ?? '';
  if (target.length > MAX_TARGET || !SAFE_TARGET.test(target)) return root;
  const checked = checkTarget(target);
  if (!checked.ok) return root;
  let resolved: URL;
  try {
    resolved = new URL(publicUrl.origin + checked.target);
  } catch {
    return root;
  }
  // Belt and braces: whatever the characters, the result must stay on publicUrl's origin.
  if (resolved.origin !== publicUrl.origin) return root;
  return publicUrl.origin + checked.target;
}
