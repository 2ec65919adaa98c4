/** Schema of auth.providers: a list discriminated on `type`. */
import { z } from 'zod';
import { duration, filePath } from './common.ts';

export const providerIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-" (it appears in URLs)')
  .meta({ description: 'Stable id used in URLs (/__authgate__/callback/<id>) and identities. Default: the name, lower-cased, non-alphanumerics as "-".' });

export const localProviderSchema = z
  .strictObject({
    type: z.literal('local'),
    id: providerIdSchema.optional(),
    name: z.string().min(1).max(100).default('Local accounts').meta({ description: 'Name shown on the login page.' }),
    usersFile: filePath('YAML users file (username, passwordHash from `authgate hash-password`, email, names, groups, role).', 'config/users.yaml'),
    permittedLoginGroups: z.array(z.string()).default([]).meta({ description: 'Only members of these groups may log in (empty = everyone in the file).' }),
    membershipUpdateInterval: duration('Re-read the users file for this user after this long.', '4h').prefault('4h'),
    refreshGracePeriod: duration('If the users file cannot be read during a refresh, keep the session this long past membershipUpdateInterval, then end it.', '15m').prefault('15m'),
  })
  .meta({ description: 'Accounts from a local YAML file (break-glass admin, demos).' });

/** The id a provider is known by: explicit, or derived from its name. */
export function providerId(provider: { id?: string | undefined; name: string }): string {
  if (provider.id) return provider.id;
  const slug = provider.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug || 'provider';
}
