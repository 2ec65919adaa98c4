/** The identity-forwarding stage: what the upstream receives besides the client's own headers. */
import type { IncomingMessage } from 'node:http';
import { identityHeaders } from '../identity/index.ts';
import { outgoingHeaders } from '../proxy/index.ts';
import { withoutCookies, type Session } from '../session/index.ts';
import type { Runtime } from './runtime.ts';

/** Header list for the upstream; throws ERR_SIGNING_FAILED rather than sending an unsigned identity. */
export async function upstreamHeaders(rt: Runtime, req: IncomingMessage, clientIp: string, requestId: string, session: Session | undefined, upgrade: boolean): Promise<string[]> {
  const add: Array<[string, string]> = [];
  const peer = req.socket.remoteAddress ?? '';
  const incomingXff = req.headers['x-forwarded-for'];
  const trustedPeer = rt.network.trusted.size > 0 && rt.network.trusted.contains(peer);
  const chain = trustedPeer && incomingXff ? `${Array.isArray(incomingXff) ? incomingXff.join(', ') : incomingXff}, ` : '';
  add.push(['x-forwarded-for', `${chain}${peer.replace(/^::ffff:/, '')}`]);
  add.push(['x-forwarded-proto', 'https']);
  if (req.headers.host) add.push(['x-forwarded-host', req.headers.host]);
  add.push(['x-real-ip', clientIp]);
  add.push(['x-request-id', requestId]);
  if (session) {
    for (const pair of identityHeaders(session.identity, { plan: rt.plan, groupsSeparator: rt.config.identity.groupsSeparator, ...(rt.rewriteUsername ? { rewriteUsername: rt.rewriteUsername } : {}) })) add.push(pair);
    add.push([rt.config.identity.assertion.header, await rt.signer.tokenFor(session.identity, session.sid)]);
  }
  const headers = outgoingHeaders(req.rawHeaders, { stripper: rt.stripper, add, keepUpgrade: upgrade });
  return withoutOwnCookies(headers, rt.sessions.wireName);
}

/** The upstream never needs authgate's cookies (session, CSRF, OIDC state): they all share the session cookie's prefix. */
function withoutOwnCookies(headers: string[], prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    let value = headers[i + 1] as string;
    if (name.toLowerCase() === 'cookie' && value.includes(prefix)) {
      value = withoutCookies(value, prefix);
      if (value === '') continue;
    }
    out.push(name, value);
  }
  return out;
}
