export { checkTarget, type CheckedTarget } from './paths.ts';
export { compileRules, type RuleSet } from './rules.ts';
