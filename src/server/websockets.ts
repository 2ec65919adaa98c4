/**
 * Open WebSockets by session. A WebSocket is authorised once, at the upgrade; this registry
 * makes the session's end reach it afterwards: logout, revocation (also by another replica,
 * found by a periodic check of the shared store), a refresh that ends the session, and the
 * session's absolute lifetime close the session's sockets. While a session has an open
 * socket it counts as active, so a user working only over a WebSocket (Shiny) does not idle out.
 */
import type { SharedStore } from '../session/index.ts';

export interface WebSocketRegistry {
  /** Registers a piped socket; returns the function to call when it closes by itself. */
  add(sid: string, deadlineMs: number, close: () => void): () => void;
  /** Closes every socket of the session (logout, revocation, refresh ended it). */
  closeSession(sid: string): void;
  /** `now` while the session has an open socket, else undefined. */
  activeAt(sid: string): number | undefined;
  stop(): void;
}

const REVOCATION_CHECK_MS = 15_000;

export function webSocketRegistry(store: SharedStore, now: () => number): WebSocketRegistry {
  const bySession = new Map<string, Set<() => void>>();
  const closeSession = (sid: string) => {
    const sockets = bySession.get(sid);
    if (!sockets) return;
    bySession.delete(sid);
    for (const close of sockets) close();
  };
  const sweep = setInterval(() => {
    for (const sid of bySession.keys()) {
      void store.isRevoked(sid).then((revoked) => revoked && closeSession(sid), () => undefined);
    }
  }, REVOCATION_CHECK_MS);
  sweep.unref();
  return {
    add(sid, deadlineMs, close) {
      let sockets = bySession.get(sid);
      if (!sockets) bySession.set(sid, (sockets = new Set()));
      const timer = setTimeout(close, Math.max(0, Math.min(deadlineMs - now(), 2_147_483_647)));
      timer.unref();
      const entry = () => {
        clearTimeout(timer);
        close();
      };
      sockets.add(entry);
      return () => {
        clearTimeout(timer);
        sockets.delete(entry);
        if (sockets.size === 0 && bySession.get(sid) === sockets) bySession.delete(sid);
      };
    },
    closeSession,
    activeAt: (sid) => (bySession.has(sid) ? now() : undefined),
    stop: () => clearInterval(sweep),
  };
}
