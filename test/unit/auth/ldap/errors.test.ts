/** LDAP library errors -> AuthgateError codes (src/auth/ldap/errors.ts). */
import t from 'tap';
import { translateLdapError } from '../../../../src/auth/ldap/errors.ts';

t.test('library errors -> AuthgateError codes, original kept as cause', async (t) => {
  const withCode = (code: number, message = 'x') => Object.assign(new Error(message), { code });
  const cases: [string, unknown, string, string][] = [
    ['49 user bind', withCode(49), 'user-bind', 'ERR_BAD_CREDENTIALS'],
    ['49 data 533', withCode(49, 'AcceptSecurityContext error, data 533, v1db1'), 'user-bind', 'ERR_ACCOUNT_DISABLED'],
    ['49 service bind', withCode(49), 'service-bind', 'ERR_LDAP_CONFIG'],
    ['8 strong auth', withCode(8), 'user-bind', 'ERR_LDAP_STRONG_AUTH_REQUIRED'],
    ['13 confidentiality', withCode(13), 'search', 'ERR_LDAP_STRONG_AUTH_REQUIRED'],
    ['10 referral', withCode(10), 'search', 'ERR_LDAP_REFERRAL'],
    ['52 unavailable', withCode(52), 'search', 'ERR_LDAP_UNAVAILABLE'],
    ['refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'connect', 'ERR_LDAP_UNAVAILABLE'],
    ['timeout', new Error('SearchRequest: Operation timed out'), 'search', 'ERR_LDAP_UNAVAILABLE'],
    ['bad CA', Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'connect', 'ERR_LDAP_TLS'],
    ['bad name', Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'connect', 'ERR_LDAP_TLS'],
  ];
  for (const [name, error, operation, code] of cases) {
    const translated = translateLdapError(error, operation as 'search', 'ldaps://dc1:636');
    t.equal(translated.code, code, name);
    t.equal(translated.cause, error, `${name}: cause kept`);
    t.match(translated.detail, /ldaps:\/\/dc1:636/, `${name}: detail names the address`);
  }
});
