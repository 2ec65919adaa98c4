/**
 * Group matching shared by permitted-login checks, role mapping and rules: a configured
 * group is a DN (matched case-insensitively with normalised spacing) or a name (matched
 * case-insensitively against the group's name or its id). Pure.
 */
import type { GroupRef, Profile } from '../core/index.ts';

/** Whether `text` is written as a DN (`cn=Admins,ou=Groups,...`) rather than a plain name. */
function isDnLike(text: string): boolean {
  return /^\s*[A-Za-z][A-Za-z0-9-]*\s*=/.test(text) && /,\s*[A-Za-z][A-Za-z0-9-]*\s*=/.test(text);
}

/** Lower-case, spaces around `,` `=` `+` removed, runs of spaces collapsed. */
function normaliseDnForMatch(dn: string): string {
  return dn
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*(?<!\\)([,=+])\s*/g, '$1');
}

export interface GroupMatcher {
  /** The configured text, for audit reasons. */
  readonly pattern: string;
  matches(group: GroupRef): boolean;
}

export function groupMatcher(pattern: string): GroupMatcher {
  if (isDnLike(pattern)) {
    const wanted = normaliseDnForMatch(pattern);
    return { pattern, matches: (group) => group.dn !== undefined && normaliseDnForMatch(group.dn) === wanted };
  }
  const wanted = pattern.trim().toLowerCase();
  return {
    pattern,
    matches: (group) => group.name.trim().toLowerCase() === wanted || (group.id !== undefined && group.id.toLowerCase() === wanted),
  };
}

/** The configured patterns the profile's groups satisfy, in configuration order. */
function matchingGroups(profile: Pick<Profile, 'groups'>, patterns: readonly string[]): string[] {
  return patterns.filter((pattern) => {
    const matcher = groupMatcher(pattern);
    return profile.groups.some((group) => matcher.matches(group));
  });
}

export type PermittedResult = { permitted: true; matched: string[] } | { permitted: false; required: readonly string[] };

/** An empty list permits everyone; otherwise membership (direct, or as resolved by the provider) in any group. */
export function checkPermitted(profile: Pick<Profile, 'groups'>, permittedGroups: readonly string[]): PermittedResult {
  if (permittedGroups.length === 0) return { permitted: true, matched: [] };
  const matched = matchingGroups(profile, permittedGroups);
  return matched.length > 0 ? { permitted: true, matched } : { permitted: false, required: permittedGroups };
}
