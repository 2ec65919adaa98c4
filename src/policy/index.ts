export { checkTarget, type CheckedTarget } from './paths.ts';
export { compileRules, type Decision, type Reason, type RuleSet } from './rules.ts';
