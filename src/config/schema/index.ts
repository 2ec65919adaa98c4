/**
 * The configuration schema: the single source of the Config type, validation,
 * `authgate schema` and docs/configuration.md.
 */
import { z } from 'zod';
import { url } from './common.ts';
import { listenSchema, networkSchema, upstreamSchema, processSchema, metricsSchema, loggingSchema } from './server.ts';
import { sessionSchema, redisSchema, throttleSchema, loginPageSchema } from './session.ts';
import { authorizationSchema } from './policy.ts';
import { identitySchema, auditSchema } from './identity.ts';
import { localProviderSchema } from './providers.ts';
import { ldapProviderSchema } from './ldap.ts';
import { oidcProviderSchema } from './oidc.ts';

const providerSchema = z.discriminatedUnion('type', [localProviderSchema, ldapProviderSchema, oidcProviderSchema]);

const authSchema = z
  .strictObject({
    providers: z.array(providerSchema).default([]).meta({ description: 'Login providers, offered in this order on the login page.' }),
    loginPage: loginPageSchema.prefault({}),
    throttle: throttleSchema.prefault({}),
  })
  .meta({ description: 'Login providers and the login page.' });

export const configSchema = z
  .strictObject({
    listen: listenSchema.prefault({}),
    publicUrl: url(['https'], 'The URL browsers use to reach authgate; redirects, cookies and OIDC callbacks derive from it.', 'https://rstudio.example.com').optional(),
    network: networkSchema.prefault({}),
    upstream: upstreamSchema,
    session: sessionSchema.prefault({}),
    redis: redisSchema.optional(),
    auth: authSchema.prefault({}),
    authorization: authorizationSchema.prefault({}),
    identity: identitySchema.prefault({}),
    audit: auditSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    process: processSchema.prefault({}),
    demo: z.boolean().default(false).meta({ description: 'Demo mode: start the built-in whoami upstream and a demo account whose password is printed at start. Never in production.' }),
  })
  .meta({ title: 'authgate configuration', description: 'authgate configuration file (YAML).' });

export type Config = z.output<typeof configSchema>;
export type ProviderConfig = Config['auth']['providers'][number];
export type { LdapProviderConfig } from './ldap.ts';

/** The JSON Schema printed by `authgate schema` and used for the Helm values schema. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}
