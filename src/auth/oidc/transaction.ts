/**
 * Pure: the state of one login between the redirect to the issuer and the callback. The
 * server seals it into a short-lived, encrypted, browser-bound cookie; it holds the PKCE
 * verifier, so it must never be readable by the browser or logged.
 */
/** A type alias (not an interface) so it is assignable to Record<string, unknown> for sealing. */
export type OidcTransaction = {
  v: 1;
  /** Provider id: a callback for another provider is refused. */
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to go after login (validated by the server before and after the round trip). */
  returnTo: string;
  /** Seconds since the epoch. */
  createdAt: number;
};

/** How long a login may take at the issuer (login form, MFA, consent). */
export const TRANSACTION_TTL_SECONDS = 10 * 60;

const TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;

/** Why a transaction cannot be used, or undefined when it can. */
export function transactionProblem(value: unknown, providerId: string, nowSeconds: number): string | undefined {
  if (typeof value !== 'object' || value === null) return 'no transaction (cookie missing or unreadable)';
  const t = value as Partial<Record<keyof OidcTransaction, unknown>>;
  if (t.v !== 1) return 'unknown transaction version';
  if (t.provider !== providerId) return `transaction is for provider ${JSON.stringify(t.provider)}, not ${JSON.stringify(providerId)}`;
  for (const key of ['state', 'nonce', 'codeVerifier'] as const) {
    if (typeof t[key] !== 'string' || !TOKEN.test(t[key])) return `transaction ${key} is malformed`;
  }
  if (typeof t.returnTo !== 'string') return 'transaction returnTo is malformed';
  if (typeof t.createdAt !== 'number' || !Number.isFinite(t.createdAt)) return 'transaction createdAt is malformed';
  const age = nowSeconds - t.createdAt;
  if (age > TRANSACTION_TTL_SECONDS) return `transaction is ${age}s old (limit ${TRANSACTION_TTL_SECONDS}s)`;
  if (age < -60) return 'transaction createdAt is in the future';
  return undefined;
}
