/** Ordered authorization rules, first match wins; returns a Decision with its reasons. Pure, no await. */
import type { Identity, Role } from '../auth/identity.ts';
import { compileCidrs, type CidrList } from '../net/cidr.ts';
import { compilePathPattern } from './paths.ts';

export type Reason =
  | 'ip-denied'
  | 'ip-not-allowed'
  | 'unauthenticated'
  | 'session-expired'
  | 'group-not-permitted'
  | 'path-denied'
  | 'path-denied-for-role'
  | 'default-deny'
  | 'rule-allowed'
  | 'rule-public'
  | 'default-allow'
  | 'bad-path';

export interface Decision {
  allow: boolean;
  /** A public route: no login needed. */
  public?: boolean;
  reasons: Reason[];
  rule?: string;
}

export interface RuleInput {
  name: string;
  paths: string[];
  methods: string[];
  websocket: 'any' | 'only' | 'never';
  roles: Role[];
  groups: string[];
  users: string[];
  sources: string[];
  action: 'allow' | 'deny' | 'public';
}

export interface RequestFacts {
  /** Normalised path. */
  path: string;
  method: string;
  websocket: boolean;
  clientIp: string;
  identity?: Identity | undefined;
}

interface CompiledRule {
  rule: RuleInput;
  paths: RegExp[];
  methods: Set<string>;
  sources: CidrList | undefined;
  groups: Set<string>;
  users: Set<string>;
  roles: Set<Role>;
  hasWho: boolean;
}

export interface RuleSet {
  decide(facts: RequestFacts): Decision;
  /** Groups the rules refer to (kept first when a session cookie must shrink). */
  readonly groups: ReadonlySet<string>;
}

export function compileRules(rules: readonly RuleInput[], defaultAction: 'allow' | 'deny', caseSensitive: boolean): RuleSet {
  const compiled: CompiledRule[] = rules.map((rule) => ({
    rule,
    paths: rule.paths.map((p) => compilePathPattern(p, caseSensitive)),
    methods: new Set(rule.methods.map((m) => m.toUpperCase())),
    sources: rule.sources.length > 0 ? compileCidrs(rule.sources) : undefined,
    groups: new Set(rule.groups.map((g) => g.toLowerCase())),
    users: new Set(rule.users.map((u) => u.toLowerCase())),
    roles: new Set(rule.roles),
    hasWho: rule.roles.length + rule.groups.length + rule.users.length > 0,
  }));
  const matches = (c: CompiledRule, f: RequestFacts): boolean => {
    if (c.paths.length > 0 && !c.paths.some((re) => re.test(f.path))) return false;
    if (c.methods.size > 0 && !c.methods.has(f.method)) return false;
    if (c.rule.websocket === 'only' && !f.websocket) return false;
    if (c.rule.websocket === 'never' && f.websocket) return false;
    if (c.sources && !c.sources.contains(f.clientIp)) return false;
    if (c.hasWho) {
      const who = f.identity;
      if (!who) return false;
      const byRole = c.roles.has(who.role);
      const byUser = c.users.has(who.username.toLowerCase());
      const byGroup = who.groups.some((g) => c.groups.has(g.toLowerCase()));
      if (!byRole && !byUser && !byGroup) return false;
    }
    return true;
  };
  return {
    groups: new Set(rules.flatMap((r) => r.groups.map((g) => g.toLowerCase()))),
    decide(facts) {
      for (const c of compiled) {
        if (!matches(c, facts)) continue;
        const name = c.rule.name;
        if (c.rule.action === 'public') return { allow: true, public: true, reasons: ['rule-public'], rule: name };
        if (!facts.identity) return { allow: false, reasons: ['unauthenticated'] };
        if (c.rule.action === 'allow') return { allow: true, reasons: ['rule-allowed'], rule: name };
        return { allow: false, reasons: [c.roles.size > 0 ? 'path-denied-for-role' : 'path-denied'], rule: name };
      }
      if (!facts.identity) return { allow: false, reasons: ['unauthenticated'] };
      return defaultAction === 'allow' ? { allow: true, reasons: ['default-allow'] } : { allow: false, reasons: ['default-deny'] };
    },
  };
}
