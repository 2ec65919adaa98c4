/**
 * Pure: whose pages may open a WebSocket through authgate. A browser sends `Origin` with every
 * WebSocket handshake and attaches the session cookie whatever page opened it (SameSite=Lax does
 * not cover WebSockets opened from a same-site but foreign origin, and other browsers differ), so
 * without this check any site could drive the user's IDE console (cross-site WebSocket hijacking).
 * A handshake without Origin comes from a non-browser client, which has no ambient cookie to abuse.
 */

export interface OriginPolicy {
  /** Whether an upgrade with this Origin header value (undefined: none sent) may go through. */
  allows(origin: string | undefined): boolean;
}

/** `publicOrigin` and each configured origin, compared as browsers serialise them (lower case, no default port). */
export function websocketOriginPolicy(publicOrigin: string, extra: readonly string[]): OriginPolicy {
  const allowed = new Set([publicOrigin, ...extra].map((o) => new URL(o).origin));
  return {
    allows(origin) {
      if (origin === undefined) return true;
      return allowed.has(origin) || allowed.has(origin.toLowerCase());
    },
  };
}
