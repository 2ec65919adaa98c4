/** Ending one session everywhere: the one sequence used by logout and by a refresh that ends a session. */
import type { Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';

/** Puts the session on the revocation list (shared with other replicas) and closes its open WebSockets. */
export async function revokeSession(rt: Runtime, session: Session): Promise<void> {
  await rt.sessions.revoke(session);
  rt.websockets.closeSession(session.sid);
}
