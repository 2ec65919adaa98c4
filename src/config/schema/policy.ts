/** Schema of the authorization section: default role, role mapping and path rules. */
import { z } from 'zod';
import { ROLES } from '../../core/index.ts';
import { cidr } from './common.ts';
import { authorizationRoleFields, checkAuthorizationRoles } from './authorization-roles.ts';
import type { AuthorizationConfig } from '../../policy/roles.ts';

export const ruleSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'Name shown in audit events and denial responses.' }),
    paths: z.array(z.string().min(1)).default([]).meta({ description: 'Globs on the normalised path (`*` one segment, `**` any depth; a trailing `/**` also matches the prefix itself). Empty = any path.', examples: [['/terminal/**']] }),
    methods: z.array(z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method such as GET')).default([]).meta({ description: 'HTTP methods; empty = any. GET also matches HEAD (upstreams answer HEAD with their GET handler); HEAD alone does not match GET.' }),
    websocket: z.enum(['any', 'only', 'never']).default('any').meta({ description: 'Match WebSocket upgrades only, never, or either.' }),
    roles: z.array(z.enum(ROLES)).default([]).meta({ description: 'Matches users with any of these roles.' }),
    groups: z.array(z.string()).default([]).meta({ description: 'Matches members of any of these groups (name or DN).' }),
    users: z.array(z.string()).default([]).meta({ description: 'Matches these usernames.' }),
    sources: z.array(cidr).default([]).meta({ description: 'Matches clients in these CIDRs (an IPv4-mapped, NAT64 or 6to4 client matches by its IPv6 or its embedded IPv4 address).' }),
    apiKeys: z
      .boolean()
      .default(false)
      .meta({
        description:
          'true: the rule admits requests that carry an API key and no session (`upstream.passApiKeys`). Like roles, groups and users it says whom the rule is for: together with them, any of them; alone, API-key requests only (no user). An API-key request has no user, role or groups, so rules naming roles, groups or users never match it, and only an allow rule with apiKeys: true lets it through. Path, method, source and websocket conditions and deny rules without roles, groups or users apply to it as to anyone; an allow rule without apiKeys that matches it first, or no matching rule, refuses it as unauthenticated (401), whatever defaultAction says.',
      }),
    action: z.enum(['allow', 'deny', 'public']).meta({ description: 'allow, deny, or public (no login needed).' }),
  })
  .check((ctx) => {
    if (ctx.value.apiKeys && ctx.value.action === 'public') {
      ctx.issues.push({ code: 'custom', path: ['apiKeys'], input: ctx.value.apiKeys, message: 'cannot be combined with action: public (a public rule needs no credentials); use action: allow' });
    }
  })
  .meta({ description: 'One authorization rule; a rule matches when every non-empty condition matches (roles, groups, users and apiKeys together: any of them).' });

export const authorizationSchema = z
  .strictObject({
    ...authorizationRoleFields,
    defaultAction: z.enum(['allow', 'deny']).default('allow').meta({ description: 'What happens to an authenticated, permitted user no rule matches.' }),
    pathCaseSensitive: z.boolean().default(true).meta({ description: 'Whether rule paths match case-sensitively (set false for case-insensitive upstreams).' }),
    rules: z.array(ruleSchema).default([]).meta({ description: 'Ordered rules; the first match wins.' }),
  })
  .check((ctx) => checkAuthorizationRoles(ctx as unknown as { value: AuthorizationConfig; issues: unknown[] }))
  .meta({ description: 'Roles and access rules, shared by every provider.' });
