/**
 * Schema of one `type: oidc` provider: Google (`issuer: https://accounts.google.com`, the
 * preset) or any other OpenID Connect issuer, authorization code flow with PKCE.
 */
import { z } from 'zod';
import { duration, filePath, secretFields, url } from './common.ts';
import { providerIdSchema } from './providers.ts';

/** Google's issuer: selects the Google preset (hd domain check, verified email always required). */
export const GOOGLE_ISSUER = 'https://accounts.google.com';

const claimName = (description: string, example: string) =>
  z
    .string()
    .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name, or a dotted path into nested claims such as realm_access.roles')
    .meta({ description, examples: [example] });

export const oidcProviderSchema = z
  .strictObject({
    type: z.literal('oidc').meta({ description: 'OpenID Connect provider (Google or any other issuer).' }),
    id: providerIdSchema.optional(),
    name: z.string().min(1).max(100).meta({ description: 'Name shown on the login button.', examples: ['Google'] }),
    issuer: url(['https', 'http'], 'Issuer identifier; metadata comes from <issuer>/.well-known/openid-configuration. https://accounts.google.com selects the Google preset.', GOOGLE_ISSUER),
    preset: z
      .enum(['auto', 'google', 'generic'])
      .default('auto')
      .meta({ description: 'google: hd domain check, email_verified required, hd/prompt hints. auto: google when the issuer is https://accounts.google.com.', examples: ['auto'] }),
    clientId: z.string().min(1).meta({ description: 'OAuth client id registered at the issuer.', examples: ['1234567890-abc.apps.googleusercontent.com'] }),
    ...secretFields('clientSecret', 'The OAuth client secret.'),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .default('client_secret_basic')
      .meta({ description: 'How authgate authenticates to the token endpoint. private_key_jwt needs privateKeyFile and no client secret.', examples: ['client_secret_basic'] }),
    privateKeyFile: filePath('PEM private key (RSA or EC) for private_key_jwt; its public key is registered at the issuer.', '/secrets/oidc-client-key.pem').optional(),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a single scope token without spaces or quotes'))
      .default(['openid', 'email', 'profile'])
      .meta({ description: 'Scopes requested; must include openid.', examples: [['openid', 'email', 'profile']] }),
    allowedDomains: z
      .array(z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name such as example.com'))
      .default([])
      .meta({ description: 'Only these domains may log in (empty = any). Google: checked against the hd claim (the Workspace domain), never the email suffix; other issuers: the domain of the verified email.', examples: [['example.com']] }),
    usernameClaim: claimName('Claim whose value becomes the username.', 'email').default('email'),
    usernameLocalPart: z.boolean().default(false).meta({ description: 'Use only the part before "@" of the username claim (ada@example.com -> ada).', examples: [true] }),
    requireVerifiedEmail: z.boolean().default(true).meta({ description: 'Refuse the login unless email_verified is true whenever the email is used (always true for Google). Set false for issuers that never send email_verified (Entra ID).', examples: [true] }),
    groupsClaim: claimName('Claim holding the user\'s groups (a list or a single string), for issuers that send groups (Keycloak, Entra ID, Okta).', 'groups').optional(),
    roleClaim: claimName('Claim holding role values for userRoleMapping.', 'rsc_role').optional(),
    permittedLoginGroups: z.array(z.string()).default([]).meta({ description: 'Only members of these groups may log in (empty = everyone the issuer authenticates).', examples: [['rstudio-users']] }),
    groupsFrom: z.literal('ldap').optional().meta({ description: 'After login, look the user up by verified email in an LDAP provider (service account) and take groups and role values from there. That provider\'s permittedLoginGroups then apply to these users as well as this provider\'s own.', examples: ['ldap'] }),
    groupsFromProvider: providerIdSchema.optional().meta({ description: 'Id of the LDAP provider used by groupsFrom: ldap (needed when several LDAP providers are configured).', examples: ['corporate-ad'] }),
    prompt: z
      .enum(['none', 'login', 'consent', 'select_account'])
      .optional()
      .meta({ description: 'prompt parameter sent to the issuer. Google preset default: select_account.', examples: ['select_account'] }),
    logoutAtProvider: z.boolean().default(false).meta({ description: 'On logout, also send the browser to the issuer\'s end_session_endpoint (when it has one).', examples: [false] }),
    membershipUpdateInterval: duration('Refresh claims and groups (refresh token, groupsFrom lookup) after this long; a refused refresh ends the session.', '1h').optional(),
    refreshGracePeriod: duration('If the issuer (or the groupsFrom directory) is unreachable during a refresh, keep the session this long past membershipUpdateInterval, then end it.', '15m').prefault('15m'),
    caFile: filePath('Extra PEM CA certificate(s) trusted for the issuer, in addition to the system roots.', '/etc/ssl/internal-ca.pem').optional(),
    discoveryRetryInterval: duration('When discovery fails (issuer down at start), retry after this long, backing off up to 4x.', '30s').prefault('30s'),
    httpTimeout: duration('Timeout of each request to the issuer.', '10s').prefault('10s'),
    allowInsecureRequests: z.boolean().default(false).meta({ description: 'INSECURE: allow plain http:// issuer endpoints. For local development only; warned at start.', examples: [false] }),
  })
  .superRefine((value, ctx) => {
    if (!value.scopes.includes('openid')) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], input: value.scopes, message: 'must include openid; add "openid" to the list' });
    }
    if (value.issuer.startsWith('http:') && !value.allowInsecureRequests) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], input: value.issuer, message: `"${value.issuer}" is plaintext; use https:// (or, for local development only, set allowInsecureRequests: true)` });
    }
    const hasSecret = [value.clientSecret, value.clientSecretFile, value.clientSecretEnv].some((v) => v !== undefined);
    if (value.tokenEndpointAuthMethod === 'private_key_jwt') {
      if (!value.privateKeyFile) ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], input: undefined, message: 'is required when tokenEndpointAuthMethod is private_key_jwt' });
      if (hasSecret) ctx.addIssue({ code: 'custom', path: ['tokenEndpointAuthMethod'], input: value.tokenEndpointAuthMethod, message: 'private_key_jwt does not use a client secret; remove clientSecret/clientSecretFile/clientSecretEnv' });
    } else if (value.privateKeyFile) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], input: value.privateKeyFile, message: 'is only used with tokenEndpointAuthMethod: private_key_jwt' });
    }
    if (value.groupsFromProvider && !value.groupsFrom) {
      ctx.addIssue({ code: 'custom', path: ['groupsFromProvider'], input: value.groupsFromProvider, message: 'is only used with groupsFrom: ldap' });
    }
  })
  .meta({ description: 'An OpenID Connect issuer (Google or any other), authorization code flow with PKCE, state and nonce.' });

export type OidcProviderConfig = z.output<typeof oidcProviderSchema>;
export type OidcProviderInput = z.input<typeof oidcProviderSchema>;

/** Whether the config uses the Google preset (hd domain check, email_verified, hints). */
export function usesGooglePreset(config: Pick<OidcProviderConfig, 'issuer' | 'preset'>): boolean {
  if (config.preset !== 'auto') return config.preset === 'google';
  return config.issuer.replace(/\/$/, '') === GOOGLE_ISSUER;
}
