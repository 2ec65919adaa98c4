/**
 * Translation of LDAP library and socket errors into AuthgateErrors, at the adapter
 * boundary, keeping the original as `cause`. Pure: works on result codes and Node error
 * codes, so it is tested without a server.
 */
import { AuthgateError } from '../../core/index.ts';
import { adBindFailure } from './account.ts';

/** LDAP result codes this module distinguishes (RFC 4511 section 4.1.9). */
export const RESULT = {
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  strongAuthRequired: 8,
  referral: 10,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;

const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|HOSTNAME_MISMATCH)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EADDRNOTAVAIL']);

/** The LDAP result code of a library error, if it carries one. */
export function resultCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Whether the error means "could not reach or keep a connection", i.e. try another address. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof AuthgateError) return error.code === 'ERR_LDAP_UNAVAILABLE' || error.code === 'ERR_LDAP_TLS';
  const code = resultCode(error);
  if (code !== undefined) return code === RESULT.busy || code === RESULT.unavailable;
  return true;
}

export type LdapOperation = 'connect' | 'starttls' | 'service-bind' | 'user-bind' | 'search';

export function translateLdapError(error: unknown, operation: LdapOperation, address: string): AuthgateError {
  if (error instanceof AuthgateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const where = `${operation} on ${address}`;
  const code = resultCode(error);
  const nodeCode = typeof (error as { code?: unknown } | null)?.code === 'string' ? ((error as { code: string }).code) : undefined;
  const fail = (errorCode: ConstructorParameters<typeof AuthgateError>[0], publicMessage: string, status: number, hint = ''): AuthgateError =>
    new AuthgateError(errorCode, publicMessage, { status, detail: `${where}: ${message}${hint}`, cause: error });

  if (code === RESULT.invalidCredentials) {
    const block = adBindFailure(message);
    if (operation === 'service-bind') return fail('ERR_LDAP_CONFIG', 'The LDAP service account was refused', 503, '; check bindDN and the bind password');
    if (block && block !== 'bad-password') return fail('ERR_ACCOUNT_DISABLED', 'This account is disabled, locked or expired', 403, ` (${block})`);
    return fail('ERR_BAD_CREDENTIALS', 'Invalid username or password', 401);
  }
  if (code === RESULT.strongAuthRequired || code === RESULT.confidentialityRequired) {
    return fail('ERR_LDAP_STRONG_AUTH_REQUIRED', 'The LDAP server refuses simple binds over an unprotected connection', 503,
      '; use ldaps:// or set startTLS: true (the server requires strong authentication / TLS)');
  }
  if (code === RESULT.referral) {
    return fail('ERR_LDAP_REFERRAL', 'The LDAP server returned a referral, which authgate does not follow', 503,
      '; point the search base at a naming context this server holds, or use a global catalog (3268/3269)');
  }
  if (code === RESULT.noSuchObject) return fail('ERR_LDAP_CONFIG', 'An LDAP search base does not exist', 503, '; check userSearchBaseDN / groupSearchBaseDN');
  if (code === RESULT.insufficientAccessRights) return fail('ERR_LDAP_CONFIG', 'The LDAP account may not read what authgate needs', 503, '; grant read access to users and groups');
  if (code === RESULT.invalidDNSyntax) {
    if (operation === 'user-bind') return fail('ERR_BAD_CREDENTIALS', 'Invalid username or password', 401, ' (invalid DN syntax)');
    return fail('ERR_LDAP_CONFIG', 'Invalid DN syntax in the LDAP configuration', 503);
  }
  if (code === RESULT.inappropriateAuthentication || code === RESULT.unwillingToPerform || code === RESULT.authMethodNotSupported) {
    if (operation === 'user-bind') return fail('ERR_BAD_CREDENTIALS', 'Invalid username or password', 401, ' (server refused the bind)');
    return fail('ERR_LDAP_CONFIG', 'The LDAP server refused the operation', 503);
  }
  if (code === RESULT.busy || code === RESULT.unavailable) return fail('ERR_LDAP_UNAVAILABLE', 'The LDAP server is unavailable', 503);
  if (code !== undefined) return fail('ERR_LDAP_CONFIG', `The LDAP server answered with result code ${code}`, 503);
  if ((nodeCode && TLS_CODES.test(nodeCode)) || /certificate|self[- ]signed|\bTLS\b|SSL/i.test(message)) {
    return fail('ERR_LDAP_TLS', 'The LDAP server certificate could not be verified', 503,
      ` (${nodeCode ?? 'tls'}); check tlsCACertificate and that the address matches the certificate`);
  }
  if (nodeCode && NETWORK_CODES.has(nodeCode)) return fail('ERR_LDAP_UNAVAILABLE', 'The LDAP server is unreachable', 503);
  return fail('ERR_LDAP_UNAVAILABLE', 'The LDAP server is unavailable', 503);
}
