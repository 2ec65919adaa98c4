/**
 * The refusal: what every stage of the gate returns when it stops a request. One closed
 * vocabulary of codes, each with its HTTP status; the code is the `error` of the answer, the
 * `reason` label of authgate_denials_total and the `reason` of the audit event. The pipeline
 * turns a refusal into HTTP in one place (server/respond.ts) and records it in one place
 * (observability/refusals.ts).
 */
import type { Identity } from './identity.ts';

/** Every refusal code with its status. Adding a code adds one metric series at most. */
const STATUS = {
  'bad-host': 400,
  'bad-path': 400,
  'xff-malformed': 400,
  'ip-denied': 403,
  'ip-not-allowed': 403,
  unauthenticated: 401,
  'path-denied': 403,
  'path-denied-for-role': 403,
  'default-deny': 403,
  'websocket-origin-refused': 403,
  'rpc-method-mismatch': 400,
} as const satisfies Record<string, number>;

export type RefusalCode = keyof typeof STATUS;

/** The closed list of refusal codes (the denial metric's label set). */
export const REFUSAL_CODES = Object.keys(STATUS) as readonly RefusalCode[];

export interface Refusal {
  status: number;
  code: RefusalCode;
  /** Safe to show to the client. */
  publicMessage: string;
  /** For the audit trail only (never sent to the client). */
  detail?: Record<string, string>;
  /** The rule that refused, when a rule did. */
  rule?: string;
  /** Who was refused, when a session named them. */
  who?: Pick<Identity, 'provider' | 'username' | 'uniqueId'>;
  /** Set when the request was judged as an API key (no session). */
  principal?: 'api-key';
  /** The path the stage judged, when it is not the request target as received (the rules judge the normalised path). */
  path?: string;
  /** `unauthenticated` only: the target a browser returns to after signing in. */
  returnTo?: string;
}

/** A refusal with the status of its code. */
export function refusal(code: RefusalCode, publicMessage: string, more: Omit<Refusal, 'status' | 'code' | 'publicMessage'> = {}): Refusal {
  return { status: STATUS[code], code, publicMessage, ...more };
}

export function isRefusal(value: object): value is Refusal {
  return 'publicMessage' in value && 'code' in value;
}
