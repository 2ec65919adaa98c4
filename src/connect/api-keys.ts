/**
 * The rule that admits Connect API keys. The converted configuration sets upstream.passApiKeys
 * (rsconnect publishes with `Authorization: Key <key>`); a key is a principal of its own that
 * only a rule with `apiKeys: true` lets through, so the conversion names Connect's API, and only
 * it: `/__api__/` (Connect's server API, where rsconnect deploys), plain HTTP, no WebSocket.
 */
import type { Collector } from './model.ts';

const CONNECT_API_KEY_RULE = {
  name: 'connect-api-keys',
  paths: ['/__api__/**'],
  websocket: 'never',
  apiKeys: true,
  action: 'allow',
} as const;

/** Adds the API-key rule to `authorization.rules` (after any rules already there: deny rules keep precedence). */
export function addApiKeyRule(authorization: Record<string, unknown>, out: Collector): void {
  const rules = Array.isArray(authorization['rules']) ? (authorization['rules'] as unknown[]) : [];
  authorization['rules'] = [...rules, { ...CONNECT_API_KEY_RULE, paths: [...CONNECT_API_KEY_RULE.paths] }];
  out.annotations.push({
    path: ['authorization', 'rules', rules.length],
    comment: 'API-key requests (Authorization: Key …, X-Auth-Token) and no session: only Connect\'s API under /__api__/ (rsconnect publishing); Connect checks each key. Nothing else admits API keys.',
    placement: 'before',
  });
  out.notes.push(
    'upstream.passApiKeys is on and authorization.rules admits API keys only under /__api__/ (rule connect-api-keys). Scripts that call content (a Plumber API, pins) with a Connect API key need their own rule, e.g. { name: reports-api-keys, paths: ["/content/<guid>/**"], apiKeys: true, action: allow }.',
  );
}
