/** The identity-forwarding stage: what the upstream receives besides the client's own headers. */
import type { IncomingMessage } from 'node:http';
import { outgoingHeaders } from '../proxy/index.ts';
import { withoutCookies, type Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';
import { answersAnyHost } from './routes/dispatch.ts';

/** Header list for the upstream; throws ERR_SIGNING_FAILED rather than sending an unsigned identity. */
export async function upstreamHeaders(rt: Runtime, req: IncomingMessage, clientIp: string, requestId: string, session: Session | undefined, upgrade: boolean): Promise<string[]> {
  const add: Array<[string, string]> = [];
  const peer = req.socket.remoteAddress ?? '';
  const incomingXff = req.headers['x-forwarded-for'];
  const trustedPeer = rt.network.trusted.size > 0 && rt.network.trusted.contains(peer);
  const chain = trustedPeer && incomingXff ? `${Array.isArray(incomingXff) ? incomingXff.join(', ') : incomingXff}, ` : '';
  add.push(['x-forwarded-for', `${chain}${peer.startsWith('::ffff:') ? peer.slice(7) : peer}`]);
  add.push(['x-forwarded-proto', 'https']);
  // The public host, never the client's: the upstream builds absolute links from it.
  add.push(['x-forwarded-host', rt.hosts.publicHost]);
  add.push(['x-real-ip', clientIp]);
  add.push(['x-request-id', requestId]);
  if (session) {
    for (const pair of rt.hotPath.identityPairs(session.identity)) add.push(pair);
    add.push([rt.config.identity.assertion.header, await rt.signer.tokenFor(session.identity, session.sid)]);
  }
  const prefix = rt.sessions.wireName;
  // The upstream never needs authgate's cookies (session, CSRF, OIDC state): they all share the session cookie's prefix.
  return outgoingHeaders(req.rawHeaders, { names: rt.hotPath.headerNames, add, keepUpgrade: upgrade, host: rt.hosts.publicHost, cookie: (value) => (value.includes(prefix) ? withoutCookies(value, prefix) : value) });
}

/** True when the request's Host is neither the public host nor in network.allowedHosts (and the route needs one). */
export function hostRefused(rt: Runtime, req: IncomingMessage): boolean {
  return !rt.hosts.accepts(req.headers.host) && !answersAnyHost(req.url ?? '/');
}

export const BAD_HOST_MESSAGE = 'The Host header does not name this server.';
