/**
 * One error class with a stable code, an HTTP status, a public message and an
 * internal detail. Adapters translate library errors into these at their
 * boundary and keep the original as `cause`.
 */
export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_TLS_MATERIAL'
  | 'ERR_BAD_REQUEST'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_BAD_CREDENTIALS'
  | 'ERR_ACCOUNT_DISABLED'
  | 'ERR_LDAP_UNAVAILABLE'
  | 'ERR_LDAP_CONFIG'
  | 'ERR_LDAP_STRONG_AUTH_REQUIRED'
  | 'ERR_LDAP_TLS'
  | 'ERR_LDAP_REFERRAL'
  | 'ERR_OIDC_UNAVAILABLE'
  | 'ERR_OIDC_CALLBACK'
  | 'ERR_OIDC_REFRESH_REFUSED'
  | 'ERR_SIGNING_FAILED'
  | 'ERR_GCFG_SYNTAX'
  | 'ERR_PRIVILEGE_DROP';

export class AuthgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe to show to the client. */
  readonly publicMessage: string;
  /** For logs only. */
  readonly detail: string | undefined;

  constructor(
    code: ErrorCode,
    publicMessage: string,
    options: { status?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(options.detail ? `${publicMessage}: ${options.detail}` : publicMessage, { cause: options.cause });
    this.name = 'AuthgateError';
    this.code = code;
    this.status = options.status ?? 500;
    this.publicMessage = publicMessage;
    this.detail = options.detail;
  }

  /** Whether the public message may be shown (node-oidc-provider's rule). */
  get expose(): boolean {
    return this.status < 500;
  }
}

export function isAuthgateError(value: unknown, code?: ErrorCode): value is AuthgateError {
  return value instanceof AuthgateError && (code === undefined || value.code === code);
}

/** A short description of anything thrown, for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
