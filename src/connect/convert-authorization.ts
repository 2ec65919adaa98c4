/** `[Authorization]` -> authgate's top-level `authorization` section (Connect's role semantics). */
import { put, type Collector } from './model.ts';
import { flag } from './convert-ldap.ts';
import { nonEmpty, type SectionReader } from './values.ts';

const ROLES = ['viewer', 'publisher', 'administrator'];

const BOOL_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['UserRoleGroupMapping', 'userRoleGroupMapping'],
  ['UserRoleMapping', 'userRoleMapping'],
  ['UserRoleMappingRestrictive', 'userRoleMappingRestrictive'],
];

const LIST_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['ViewerRoleMapping', 'viewerRoleMapping'],
  ['PublisherRoleMapping', 'publisherRoleMapping'],
  ['AdministratorRoleMapping', 'administratorRoleMapping'],
];

export interface AuthorizationResult {
  authorization: Record<string, unknown>;
  /** Keys that stay in Connect's own [Authorization] (what each role may do inside Connect). */
  kept: string[];
}

export function convertAuthorization(r: SectionReader, out: Collector): AuthorizationResult {
  const base = ['authorization'];
  const authorization: Record<string, unknown> = {};
  out.annotations.push({ path: base, comment: `from ${r.label} (line ${r.section.line})`, placement: 'before' });

  const role = r.last('DefaultUserRole');
  if (role && role.value !== '') {
    const lower = role.value.trim().toLowerCase();
    if (ROLES.includes(lower)) put(out, authorization, base, 'defaultUserRole', lower, [role]);
    else out.untranslated.push({ section: r.label, key: role.key, line: role.line, message: `"${role.value}" is not a role; use viewer, publisher or administrator` });
  }
  for (const [connectKey, key] of BOOL_KEYS) {
    const value = flag(r, connectKey, out);
    if (value) put(out, authorization, base, key, value.on, [value.from]);
  }
  for (const [connectKey, key] of LIST_KEYS) {
    const values = nonEmpty(r.all(connectKey));
    if (values.length > 0) put(out, authorization, base, key, values.map((v) => v.value), values);
  }
  if (authorization['userRoleGroupMapping'] === true && authorization['userRoleMapping'] === true) {
    const line = r.last('UserRoleMapping')?.line ?? r.section.line;
    out.toFill.push({ section: r.label, key: 'UserRoleMapping', line, message: 'is enabled together with UserRoleGroupMapping; Connect refuses that and so does authgate: set one of authorization.userRoleGroupMapping / authorization.userRoleMapping to false' });
  }
  // Everything else in [Authorization] governs what roles may do inside Connect and stays there.
  const kept = r.unused().map((values) => (values[0] as { key: string }).key);
  return { authorization, kept };
}
