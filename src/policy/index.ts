export { checkTarget, normalisePath, compilePathPattern, type CheckedTarget, type NormalisedPath } from './paths.ts';
export { compileRules, type Decision, type Reason, type RuleInput, type RequestFacts, type RuleSet } from './rules.ts';
export { resolveRole, type AuthorizationConfig, type RoleResult } from './roles.ts';
export { groupMatcher, isDnLike, normaliseDnForMatch, checkPermitted, matchingGroups, type GroupMatcher, type PermittedResult } from './permitted.ts';
