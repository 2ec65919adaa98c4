/** Schema of the authorization section: default role, role mapping and path rules. */
import { z } from 'zod';
import { ROLES } from '../../auth/identity.ts';
import { cidr } from './common.ts';
import { authorizationRoleFields, checkAuthorizationRoles } from './authorization-roles.ts';
import type { AuthorizationConfig } from '../../policy/roles.ts';

export const ruleSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'Name shown in audit events and denial responses.' }),
    paths: z.array(z.string().min(1)).default([]).meta({ description: 'Globs on the normalised path (`*` one segment, `**` any depth; a trailing `/**` also matches the prefix itself). Empty = any path.', examples: [['/terminal/**']] }),
    methods: z.array(z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method such as GET')).default([]).meta({ description: 'HTTP methods; empty = any.' }),
    websocket: z.enum(['any', 'only', 'never']).default('any').meta({ description: 'Match WebSocket upgrades only, never, or either.' }),
    roles: z.array(z.enum(ROLES)).default([]).meta({ description: 'Matches users with any of these roles.' }),
    groups: z.array(z.string()).default([]).meta({ description: 'Matches members of any of these groups (name or DN).' }),
    users: z.array(z.string()).default([]).meta({ description: 'Matches these usernames.' }),
    sources: z.array(cidr).default([]).meta({ description: 'Matches clients in these CIDRs (an IPv4-mapped, NAT64 or 6to4 client matches by its IPv6 or its embedded IPv4 address).' }),
    action: z.enum(['allow', 'deny', 'public']).meta({ description: 'allow, deny, or public (no login needed).' }),
  })
  .meta({ description: 'One authorization rule; a rule matches when every non-empty condition matches (roles, groups and users together: any of them).' });

export const authorizationSchema = z
  .strictObject({
    ...authorizationRoleFields,
    defaultAction: z.enum(['allow', 'deny']).default('allow').meta({ description: 'What happens to an authenticated, permitted user no rule matches.' }),
    pathCaseSensitive: z.boolean().default(true).meta({ description: 'Whether rule paths match case-sensitively (set false for case-insensitive upstreams).' }),
    rules: z.array(ruleSchema).default([]).meta({ description: 'Ordered rules; the first match wins.' }),
  })
  .check((ctx) => checkAuthorizationRoles(ctx as unknown as { value: AuthorizationConfig; issues: unknown[] }))
  .meta({ description: 'Roles and access rules, shared by every provider.' });
