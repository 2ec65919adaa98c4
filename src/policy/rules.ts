/**
 * Ordered authorization rules, first match wins; returns a Decision with its reasons. Pure, no await.
 *
 * Three principals: a user (a session's Identity), an API key (a request that carries an API key
 * and no session, when upstream.passApiKeys is on) and anonymous. An API key has no user, role or
 * groups: a rule naming roles, groups or users never matches it, and only a rule with
 * `apiKeys: true` can allow it. Path, method, source and websocket conditions and deny rules
 * apply to it as to anyone; unmatched, it is refused as unauthenticated like an anonymous request.
 */
import type { Identity, RefusalCode, Role } from '../core/index.ts';
import { compileCidrs, type CidrList } from '../net/cidr.ts';
import { compilePathPattern } from './paths.ts';

/** Why the rules let a request through. */
type AllowReason = 'rule-allowed' | 'rule-public' | 'default-allow';
/** Why the rules refuse a request: refusal codes (core/refusal.ts), the ones the rules produce. */
type DenyReason = Extract<RefusalCode, 'unauthenticated' | 'path-denied' | 'path-denied-for-role' | 'default-deny'>;

/** `reasons` holds exactly one reason (a list so the audit can carry more than one some day). */
export type Decision =
  | {
      allow: true;
      /** A public route: no login needed. */
      public?: boolean;
      reasons: [AllowReason];
      rule?: string;
      /** Set when the request was judged as an API-key principal (an API key and no session). */
      principal?: 'api-key';
    }
  | { allow: false; reasons: [DenyReason]; rule?: string; principal?: 'api-key' };

export interface RuleInput {
  name: string;
  paths: string[];
  methods: string[];
  websocket: 'any' | 'only' | 'never';
  roles: Role[];
  groups: string[];
  users: string[];
  sources: string[];
  /** Matches requests that carry an API key and no session (absent = false). */
  apiKeys?: boolean | undefined;
  action: 'allow' | 'deny' | 'public';
}

export interface RequestFacts {
  /** Normalised path. */
  path: string;
  method: string;
  websocket: boolean;
  clientIp: string;
  identity?: Identity | undefined;
  /** The request carries an API key the upstream checks itself; ignored when `identity` is set. */
  apiKey?: boolean | undefined;
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
    methods: methodSet(rule.methods),
    sources: rule.sources.length > 0 ? compileCidrs(rule.sources) : undefined,
    groups: new Set(rule.groups.map((g) => g.toLowerCase())),
    users: new Set(rule.users.map((u) => u.toLowerCase())),
    roles: new Set(rule.roles),
    hasWho: rule.roles.length + rule.groups.length + rule.users.length > 0 || rule.apiKeys === true,
  }));
  const matches = (c: CompiledRule, f: RequestFacts): boolean => {
    if (c.paths.length > 0 && !c.paths.some((re) => re.test(f.path))) return false;
    if (c.methods.size > 0 && !c.methods.has(f.method)) return false;
    if (c.rule.websocket === 'only' && !f.websocket) return false;
    if (c.rule.websocket === 'never' && f.websocket) return false;
    if (c.sources && !c.sources.contains(f.clientIp)) return false;
    if (c.hasWho) {
      const who = f.identity;
      // An API key is nobody: only `apiKeys: true` names it, never a role, group or user.
      if (!who) return f.apiKey === true && c.rule.apiKeys === true;
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
      const apiKey = !facts.identity && facts.apiKey === true;
      const as = (d: Decision): Decision => (apiKey ? { ...d, principal: 'api-key' } : d);
      for (const c of compiled) {
        if (!matches(c, facts)) continue;
        const name = c.rule.name;
        if (c.rule.action === 'public') return as({ allow: true, public: true, reasons: ['rule-public'], rule: name });
        if (c.rule.action === 'allow') {
          if (facts.identity || (apiKey && c.rule.apiKeys === true)) return as({ allow: true, reasons: ['rule-allowed'], rule: name });
          // First match wins: an allow rule that does not admit API keys refuses one, naming itself.
          return apiKey ? as({ allow: false, reasons: ['unauthenticated'], rule: name }) : { allow: false, reasons: ['unauthenticated'] };
        }
        if (!facts.identity && !apiKey) return { allow: false, reasons: ['unauthenticated'] };
        return as({ allow: false, reasons: [c.roles.size > 0 && facts.identity ? 'path-denied-for-role' : 'path-denied'], rule: name });
      }
      if (!facts.identity) return as({ allow: false, reasons: ['unauthenticated'] });
      return defaultAction === 'allow' ? { allow: true, reasons: ['default-allow'] } : { allow: false, reasons: ['default-deny'] };
    },
  };
}

/** Upper-cased methods; GET brings HEAD (upstreams answer HEAD with their GET handler, RFC 9110 §9.3.2). */
function methodSet(methods: readonly string[]): Set<string> {
  const set = new Set(methods.map((m) => m.toUpperCase()));
  if (set.has('GET')) set.add('HEAD');
  return set;
}
