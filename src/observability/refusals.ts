/**
 * The one place a refusal is recorded: every refusal is counted in authgate_denials_total under
 * its code, and audited under the event its code names here. Not audited: a refused Host or
 * request path (malformed requests, before any client is judged) and an anonymous request that
 * must sign in (one event per anonymous request would drown the trail; an API key refused as
 * unauthenticated is audited).
 */
import type { Refusal, RefusalCode } from '../core/index.ts';
import type { AuditEventName, AuditLog } from './audit.ts';
import type { Metrics } from './metrics.ts';

const REFUSAL_AUDIT_EVENTS: Record<RefusalCode, AuditEventName | undefined> = {
  'bad-host': undefined,
  'bad-path': undefined,
  'xff-malformed': 'net.ip.refused',
  'ip-denied': 'net.ip.refused',
  'ip-not-allowed': 'net.ip.refused',
  unauthenticated: 'authz.denied',
  'path-denied': 'authz.denied',
  'path-denied-for-role': 'authz.denied',
  'default-deny': 'authz.denied',
  'websocket-origin-refused': 'authz.denied',
  // An RPC whose URL names one method and whose body another: a way around path rules, audited as a denial.
  'rpc-method-mismatch': 'authz.denied',
};

/** The request a refusal answers. */
export interface RefusedRequest {
  requestId: string;
  clientIp: string;
  method: string | undefined;
  /** The request target as received (the audit log redacts its query values). */
  target: string;
}

export function recordRefusal(sinks: { audit: AuditLog; metrics: Pick<Metrics, 'denials'> }, refusal: Refusal, request: RefusedRequest): void {
  sinks.metrics.denials.inc({ reason: refusal.code });
  const event = REFUSAL_AUDIT_EVENTS[refusal.code];
  if (!event) return;
  if (refusal.code === 'unauthenticated' && !refusal.who && !refusal.principal) return;
  const detail = refusal.principal || refusal.detail ? { ...refusal.detail, ...(refusal.principal ? { principal: refusal.principal } : {}) } : undefined;
  sinks.audit.emit(event, {
    requestId: request.requestId,
    clientIp: request.clientIp,
    ...(refusal.who ? { provider: refusal.who.provider, subject: { username: refusal.who.username, uniqueId: refusal.who.uniqueId } } : {}),
    reason: refusal.code,
    ...(refusal.rule ? { rule: refusal.rule } : {}),
    method: request.method,
    path: (refusal.path ?? request.target).slice(0, 500),
    ...(detail ? { detail } : {}),
  });
}
