export { checkTarget, type CheckedTarget } from './paths.ts';
export { compileRules, type RuleSet } from './rules.ts';
export { rpcBodyMismatch, rpcPathName } from './workbench-rpc.ts';
