/**
 * LDAP search filters (RFC 4515), built from configuration and untrusted input. Pure.
 *
 * Values are escaped; non-ASCII characters are left as they are (the client writes the
 * filter as UTF-8, which is what RFC 4515 asks for).
 */

/** The AD matching rule that walks nested membership in one query (LDAP_MATCHING_RULE_IN_CHAIN). */
const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';

const FILTER_SPECIALS: Record<string, string> = { '\\': '\\5c', '*': '\\2a', '(': '\\28', ')': '\\29', '\0': '\\00' };

/** Escapes an assertion value: `\`, `*`, `(`, `)` and NUL become `\5c`, `\2a`, `\28`, `\29`, `\00`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (char) => FILTER_SPECIALS[char] as string);
}

/** An attribute description: a name (`sAMAccountName`, `msDS-x`) or an OID, with options (`;binary`). */
export function isAttributeName(name: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/.test(name);
}

function attribute(name: string): string {
  if (!isAttributeName(name)) throw new TypeError(`not an LDAP attribute name: ${JSON.stringify(name)}`);
  return name;
}

/** `(attr=value)` with the value escaped. */
export function equals(attr: string, value: string): string {
  return `(${attribute(attr)}=${escapeFilterValue(value)})`;
}

/** `(attr:rule:=value)`, an extensible match. */
function extensible(attr: string, rule: string, value: string): string {
  return `(${attribute(attr)}:${rule}:=${escapeFilterValue(value)})`;
}

/** Wraps a filter written without its outer parentheses (`objectClass=user`). */
function parenthesise(filter: string): string {
  const trimmed = filter.trim();
  return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

export function and(...filters: string[]): string {
  const parts = filters.map(parenthesise);
  return parts.length === 1 ? (parts[0] as string) : `(&${parts.join('')})`;
}

export function or(...filters: string[]): string {
  const parts = filters.map(parenthesise);
  return parts.length === 1 ? (parts[0] as string) : `(|${parts.join('')})`;
}

/**
 * Why a configured filter is not a filter, or undefined when it looks like one: balanced,
 * non-empty parentheses and no stray closing parenthesis. (The server has the last word.)
 */
export function filterProblem(filter: string): string | undefined {
  const text = parenthesise(filter);
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\') {
      if (!/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) return `bad escape at position ${i}; write \\XX with two hex digits`;
      i += 2;
    } else if (char === '(') {
      if (text[i + 1] === ')') return 'empty parentheses "()"';
      depth += 1;
    } else if (char === ')') {
      depth -= 1;
      if (depth < 0) return `unbalanced ")" at position ${i}`;
      if (depth === 0 && i !== text.length - 1) return 'text after the closing parenthesis; combine filters with (&...)';
    }
  }
  return depth === 0 ? undefined : 'unbalanced parentheses';
}

/** The base of the user filter: `userFilterBase`, or `objectClass={userObjectClass}`. */
export function userBaseFilter(config: { userFilterBase?: string | undefined; userObjectClass: string }): string {
  return parenthesise(config.userFilterBase ?? `objectClass=${escapeFilterValue(config.userObjectClass)}`);
}

export interface GroupFilterConfig {
  groupFilterBase?: string | undefined;
  groupObjectClass?: string | undefined;
}

export function groupBaseFilter(config: GroupFilterConfig): string {
  if (config.groupFilterBase !== undefined) return parenthesise(config.groupFilterBase);
  return config.groupObjectClass === undefined ? '(objectClass=*)' : `(objectClass=${escapeFilterValue(config.groupObjectClass)})`;
}

/** `(&(objectClass=user)(sAMAccountName=<username>))`. */
export function userByNameFilter(
  config: { userFilterBase?: string | undefined; userObjectClass: string; usernameAttribute: string },
  username: string,
): string {
  return and(userBaseFilter(config), equals(config.usernameAttribute, username));
}

/** Groups having any of `memberDns` as a direct member. */
export function groupsWithMembersFilter(
  config: GroupFilterConfig,
  memberAttribute: string,
  memberDns: readonly string[],
): string {
  if (memberDns.length === 0) throw new TypeError('groupsWithMembersFilter needs at least one DN');
  return and(groupBaseFilter(config), or(...memberDns.map((dn) => equals(memberAttribute, dn))));
}

/** Groups `memberDn` belongs to at any depth (Active Directory only). */
export function groupsInChainFilter(
  config: GroupFilterConfig,
  memberAttribute: string,
  memberDn: string,
): string {
  return and(groupBaseFilter(config), extensible(memberAttribute, IN_CHAIN_RULE, memberDn));
}
