/**
 * The role keys of the `authorization` section (RStudio Connect's `[Authorization]`), for the
 * lead to spread into the section's `z.strictObject`, with the cross-field check to run in
 * its `.check()`. The output type is `AuthorizationConfig` (src/policy/roles.ts).
 */
import { z } from 'zod';
import { ROLES } from '../../core/index.ts';
import type { AuthorizationConfig } from '../../policy/roles.ts';

const mappingList = (role: string) =>
  z
    .array(z.string().trim().min(1, 'must not be empty'))
    .default([])
    .meta({
      description: `Group DNs or names (with userRoleGroupMapping) or values of userRoleAttribute / roleClaim (with userRoleMapping) that give the ${role} role.`,
      examples: [[`CN=RStudio ${role}s,OU=Groups,DC=example,DC=com`]],
    });

export const authorizationRoleFields = {
  defaultUserRole: z
    .enum(ROLES)
    .default('viewer')
    .meta({ description: 'Role of a user no mapping applies to.', examples: ['viewer'] }),
  userRoleGroupMapping: z
    .boolean()
    .default(false)
    .meta({ description: 'Give roles by group membership: the *RoleMapping lists hold group DNs or names.', examples: [true] }),
  userRoleMapping: z
    .boolean()
    .default(false)
    .meta({
      description: "Give roles from the provider's userRoleAttribute (LDAP) or roleClaim (OIDC): the *RoleMapping lists map its values; with all three lists empty, the values viewer, publisher and administrator are used as they are.",
      examples: [true],
    }),
  viewerRoleMapping: mappingList('viewer'),
  publisherRoleMapping: mappingList('publisher'),
  administratorRoleMapping: mappingList('administrator'),
  userRoleMappingRestrictive: z
    .boolean()
    .default(false)
    .meta({ description: 'When several mappings match, give the least privileged role instead of the most privileged.', examples: [false] }),
};

interface RoleIssue {
  path: string[];
  message: string;
}

/** Cross-field problems of the role keys (every one, not the first). */
function authorizationRoleIssues(value: AuthorizationConfig): RoleIssue[] {
  const issues: RoleIssue[] = [];
  if (value.userRoleGroupMapping && value.userRoleMapping) {
    issues.push({
      path: ['userRoleMapping'],
      message: 'cannot be enabled together with userRoleGroupMapping (as in RStudio Connect); choose group mapping or attribute mapping',
    });
  }
  if (!value.userRoleGroupMapping && !value.userRoleMapping) {
    for (const key of ['viewerRoleMapping', 'publisherRoleMapping', 'administratorRoleMapping'] as const) {
      if (value[key].length > 0) {
        issues.push({ path: [key], message: 'is set but ignored; set userRoleGroupMapping: true (groups) or userRoleMapping: true (attribute values)' });
      }
    }
  }
  return issues;
}

/** For `.check()` on the section object: pushes every role issue. */
export function checkAuthorizationRoles(ctx: { value: AuthorizationConfig; issues: unknown[] }): void {
  for (const issue of authorizationRoleIssues(ctx.value)) {
    // input is the value at the key, so the message shows `true` or the list, not the whole section.
    const input = (ctx.value as unknown as Record<string, unknown>)[issue.path[0] as string];
    ctx.issues.push({ code: 'custom', input, path: issue.path, message: issue.message });
  }
}

/** The role part of the section on its own (tests, and a model for the merged section). */
export const authorizationRolesSchema = z
  .strictObject(authorizationRoleFields)
  .check((ctx) => checkAuthorizationRoles(ctx as unknown as { value: AuthorizationConfig; issues: unknown[] }));

/** Compile-time proof that the schema's output is the one AuthorizationConfig. */
type Assert<T extends true> = T;
type _OutputIsAuthorizationConfig = Assert<z.output<typeof authorizationRolesSchema> extends AuthorizationConfig ? true : false>;
