/** The lockdown presets against Workbench and Connect URL shapes, and the example configurations against the schema. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../../src/config/index.ts';
import { ruleSchema } from '../../../src/config/schema/policy.ts';
import { checkTarget, compileRules } from '../../../src/policy/index.ts';
import type { Identity, Role } from '../../../src/core/identity.ts';

const CONFIG = path.resolve(import.meta.dirname, '../../../config');

function preset(name: string) {
  const doc = parse(readFileSync(path.join(CONFIG, 'presets', `${name}.yaml`), 'utf8')) as { rules: unknown[] };
  return compileRules(doc.rules.map((r) => ruleSchema.parse(r)), 'allow', true);
}

function who(role: Role): Identity {
  return { provider: 'p', uniqueId: 'u', username: 'user', groups: [], role, authTime: 0, refreshedAt: 0 };
}

const WORKBENCH: Array<[string, string, boolean, Role, boolean | 'refused']> = [
  // [method, target as the browser sends it, websocket?, role, allowed? ('refused': 400 before any rule)]
  ['GET', '/terminal/2x8Kd1/', true, 'viewer', false],
  ['GET', '/p/58fab3e4/terminal/2x8Kd1/', true, 'viewer', false],
  ['GET', '/p/58fab3e4/terminal/2x8Kd1/', true, 'publisher', true],
  ['GET', '/%74erminal/2x8Kd1/', true, 'viewer', false],
  ['GET', '//terminal/2x8Kd1/', true, 'viewer', false],
  ['GET', '/x/../terminal/2x8Kd1/', true, 'viewer', 'refused'],
  ['GET', '/p/58fab3e4/terminal/1/..;/..;/x', true, 'viewer', 'refused'],
  ['POST', '/rpc/start_terminal', false, 'viewer', false],
  ['POST', '/rpc/get_terminal_buffer_chunk', false, 'viewer', false],
  ['POST', '/rpc/console_input', false, 'viewer', true],
  ['POST', '/upload', false, 'viewer', false],
  ['POST', '/upload;jsessionid=1', false, 'viewer', 'refused'],
  ['POST', '/%75pload', false, 'viewer', false],
  ['POST', '/upload', false, 'administrator', true],
  ['GET', '/export/report.csv?name=report.csv&file=~%2Freport.csv', false, 'viewer', false],
  ['GET', '/file_show?path=~%2Fsecret.txt', false, 'viewer', false],
  ['GET', '/files/data.csv', false, 'viewer', false],
  ['POST', '/rpc/get_rsconnect_account_list', false, 'viewer', false],
  ['POST', '/rpc/rsconnect_publish', false, 'publisher', true],
  ['GET', '/', false, 'viewer', true],
  ['GET', '/s/9a8b7c/', false, 'viewer', true],
  ['GET', '/p/58fab3e4/events/get_events', false, 'viewer', true],
];

t.test('workbench-lockdown preset', async (t) => {
  const rules = preset('workbench-lockdown');
  for (const [method, target, websocket, role, allowed] of WORKBENCH) {
    const checked = checkTarget(target);
    t.equal(checked.ok, allowed !== 'refused', `${target} ${allowed === 'refused' ? 'refused' : 'accepted'}: ${checked.ok ? checked.target : checked.reason}`);
    if (!checked.ok) continue;
    const decision = rules.decide({ path: checked.path, method, websocket, clientIp: '10.0.0.1', identity: who(role) });
    t.equal(decision.allow, allowed, `${role} ${method} ${target}${websocket ? ' (WebSocket)' : ''} -> ${decision.rule ?? decision.reasons.join(',')}`);
  }
});

const CONNECT: Array<[string, string, Role, boolean]> = [
  ['GET', '/__api__/v1/content', 'viewer', true],
  ['GET', '/__api__/v1/content/0b3a-44/bundles', 'viewer', true],
  ['POST', '/__api__/v1/content', 'viewer', false],
  ['PATCH', '/__api__/v1/content/0b3a-44', 'viewer', false],
  ['DELETE', '/__api__/v1/content/0b3a-44', 'viewer', false],
  ['POST', '/__api__/v1/content/0b3a-44/deploy', 'viewer', false],
  ['POST', '/__api__/v1/content/0b3a-44/deploy', 'publisher', true],
  ['POST', '/__API__/v1/content', 'viewer', true],
  ['POST', '/__api__/applications/12/deploy', 'viewer', false],
  ['GET', '/content/0b3a-44/', 'viewer', true],
];

t.test('connect-viewers preset', async (t) => {
  const rules = preset('connect-viewers');
  for (const [method, target, role, allowed] of CONNECT) {
    const checked = checkTarget(target);
    if (!checked.ok) throw new Error(`${target} refused: ${checked.reason}`);
    const decision = rules.decide({ path: checked.path, method, websocket: false, clientIp: '10.0.0.1', identity: who(role) });
    t.equal(decision.allow, allowed, `${role} ${method} ${target}`);
  }
});

t.test('the example configurations are valid against the schema', async (t) => {
  for (const name of ['connect.example.yaml', 'workbench.example.yaml', 'demo.yaml']) {
    const parsed = configSchema.safeParse(parse(readFileSync(path.join(CONFIG, name), 'utf8')));
    t.ok(parsed.success, `${name}: ${parsed.success ? 'ok' : JSON.stringify(parsed.error.issues)}`);
  }
});

t.test('connect.example.yaml: API keys reach Connect\'s API only; viewers stay read-only', async (t) => {
  const config = configSchema.parse(parse(readFileSync(path.join(CONFIG, 'connect.example.yaml'), 'utf8')));
  t.equal(config.upstream.passApiKeys, true);
  t.ok(config.authorization.rules.some((r) => r.apiKeys && r.action === 'allow'), 'a rule admits API keys (check-config requires one)');
  const rules = compileRules(config.authorization.rules, config.authorization.defaultAction, config.authorization.pathCaseSensitive);
  const cases: Array<[string, string, boolean, 'key' | Role, boolean]> = [
    // [method, path, websocket?, principal, allowed?]
    ['GET', '/__api__/v1/content', false, 'key', true],
    ['POST', '/__api__/v1/content/0b3a-44/deploy', false, 'key', true],
    ['POST', '/__api__/applications/12/deploy', false, 'key', true],
    ['GET', '/__api__/v1/content', true, 'key', false],
    ['GET', '/content/0b3a-44/', false, 'key', false],
    ['GET', '/', false, 'key', false],
    ['GET', '/connect/', false, 'key', false],
    ['POST', '/__api__/v1/content', false, 'viewer', false],
    ['GET', '/__api__/v1/content', false, 'viewer', true],
    ['POST', '/__api__/v1/content', false, 'publisher', true],
  ];
  for (const [method, target, websocket, principal, allowed] of cases) {
    const facts = principal === 'key' ? { apiKey: true } : { identity: who(principal) };
    const decision = rules.decide({ path: target, method, websocket, clientIp: '10.0.0.1', ...facts });
    t.equal(decision.allow, allowed, `${principal} ${method} ${target}${websocket ? ' (WebSocket)' : ''}`);
  }
});
