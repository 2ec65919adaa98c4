/**
 * Open WebSockets by session. A WebSocket is authorised once, at the upgrade; this registry
 * makes the session's end reach it afterwards: logout, revocation (also by another replica,
 * found by a periodic check of the shared store), a refresh that ends the session, the
 * absolute lifetime and the idle timeout close the session's sockets.
 *
 * Messages the browser sends over a socket count as activity (a user working in a Shiny app
 * sends every input change over it and no HTTP request renews the cookie), so they keep the
 * session from idling out; a socket that only stays open does not.
 *
 * A WebSocket without a session (a public path, an API key) is not registered here: it is closed
 * after upstream.anonymousWebsocketIdleTimeout without a message from the client (closeWhenIdle).
 */
import type { SharedStore } from './index.ts';

export interface WebSocketRegistry {
  /** Registers a piped socket; returns the function to call when it closes by itself. */
  add(sid: string, session: { lastSeen: number; deadline: number }, close: () => void): () => void;
  /** The browser sent something over one of the session's sockets. */
  clientActivity(sid: string): void;
  /** Closes every socket of the session (logout, revocation, refresh ended it). */
  closeSession(sid: string): void;
  /** Last activity over the session's sockets, if it has any open. */
  activeAt(sid: string): number | undefined;
  stop(): void;
}

const SWEEP_MS = 15_000;

interface Entry {
  sockets: Set<() => void>;
  activity: number;
}

export function webSocketRegistry(store: SharedStore, idleTimeout: number, now: () => number): WebSocketRegistry {
  const bySession = new Map<string, Entry>();
  const closeSession = (sid: string) => {
    const entry = bySession.get(sid);
    if (!entry) return;
    bySession.delete(sid);
    for (const close of entry.sockets) close();
  };
  const sweep = setInterval(() => {
    const t = now();
    for (const [sid, entry] of bySession) {
      if (t - entry.activity >= idleTimeout) closeSession(sid);
      else void store.isRevoked(sid).then((revoked) => revoked && closeSession(sid), () => undefined);
    }
  }, SWEEP_MS);
  sweep.unref();
  return {
    add(sid, session, close) {
      let entry = bySession.get(sid);
      if (!entry) bySession.set(sid, (entry = { sockets: new Set(), activity: session.lastSeen }));
      entry.activity = Math.max(entry.activity, session.lastSeen);
      const timer = setTimeout(close, Math.max(0, Math.min(session.deadline - now(), 2_147_483_647)));
      timer.unref();
      const socket = () => {
        clearTimeout(timer);
        close();
      };
      const owner = entry;
      owner.sockets.add(socket);
      return () => {
        clearTimeout(timer);
        owner.sockets.delete(socket);
        if (owner.sockets.size === 0 && bySession.get(sid) === owner) bySession.delete(sid);
      };
    },
    clientActivity(sid) {
      const entry = bySession.get(sid);
      if (entry) entry.activity = now();
    },
    closeSession,
    activeAt: (sid) => bySession.get(sid)?.activity,
    stop: () => clearInterval(sweep),
  };
}
