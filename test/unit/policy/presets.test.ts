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

// Route shapes of the IDE, from its source (docs/workbench.md lists files and commits):
// S: a Workbench session scope, /s/ + 5 hex (user) + 8 hex (project) + 8 hex (session)
// (core/r_util/RSessionContext.cpp urlPathForSessionScope / parseSessionUrl); P: the port proxy
// /p/<token>/ that the terminal's WebSocket always goes through (TerminalSessionSocket.java:
// hostPageBaseURL + "p/" + channelId + "/terminal/" + handle + "/").
const S = '/s/9a8b7c6d5e4f3a2b1c0d9';
const P = '/p/58fab3e4';
/** Every base a session route is reached under: open-source root, session scope, port proxy, both, and a proxy pointing back at rserver. */
const BASES = ['', S, P, `${S}${P}`, `${P}${S}`];

type Case = [string, string, boolean, Role, boolean | 'refused'];
// [method, target as the browser sends it, websocket?, role, allowed? ('refused': 400 before any rule)]
const ROUTES: Array<[string, string, boolean]> = [
  // terminal: WebSocket, and the RPCs that start terminals and drive console processes (also the RPC fallback)
  ['GET', '/terminal/2x8Kd1/', true],
  ['POST', '/rpc/start_terminal', false],
  ['POST', '/rpc/get_terminal_shells', false],
  ['POST', '/rpc/get_terminal_options', false],
  ['POST', '/rpc/process_write_stdin', false],
  ['POST', '/rpc/process_use_rpc', false],
  ['POST', '/rpc/process_get_buffer_chunk', false],
  // upload: the /upload handler (a prefix: /upload2, /upload/x reach it too) and complete_upload
  ['POST', '/upload', false],
  ['POST', '/upload2', false],
  ['POST', '/upload/x', false],
  ['POST', '/rpc/complete_upload', false],
  // download / export / raw views (handlers /export, /files, /show, /file_show; export is a POST form today, a GET before)
  ['POST', '/export', false],
  ['GET', '/export/report.csv?name=report.csv&file=~%2Freport.csv', false],
  ['GET', '/files/data.csv', false],
  ['GET', '/show?path=~%2Fsecret.txt', false],
  ['GET', '/file_show?path=~%2Fsecret.txt', false],
  // publishing: Connect / shinyapps.io (rsconnect), RPubs
  ['POST', '/rpc/rsconnect_publish', false],
  ['POST', '/rpc/get_rsconnect_account_list', false],
  ['POST', '/rpc/get_rsconnect_deployments', false],
  ['POST', '/rpc/get_rmd_publish_details', false],
  ['POST', '/rpc/get_edit_published_docs', false],
  ['POST', '/rpc/rpubs_upload', false],
  ['POST', '/rpc/rpubs_is_published', false],
  // version control (Git, SVN, clone)
  ['POST', '/rpc/git_push', false],
  ['POST', '/rpc/git_commit', false],
  ['POST', '/rpc/svn_commit', false],
  ['POST', '/rpc/vcs_clone', false],
  ['POST', '/rpc/vcs_full_status', false],
];

/** What a viewer keeps: the IDE itself. */
const KEPT: Array<[string, string, boolean]> = [
  ['GET', '/', false],
  ['POST', '/rpc/console_input', false],
  ['POST', '/rpc/client_init', false],
  ['POST', '/rpc/get_file_contents', false],
  ['GET', '/events/get_events', false],
  ['GET', '/help/library/stats/html/lm.html', false],
  ['GET', '/graphics/plot.png', false],
  ['GET', '/terminal/2x8Kd1/', false],
];

const WORKBENCH: Case[] = [
  ...BASES.flatMap((base) => ROUTES.flatMap(([m, p, ws]): Case[] => [[m, `${base}${p}`, ws, 'viewer', false], [m, `${base}${p}`, ws, 'publisher', true]])),
  ...BASES.flatMap((base) => KEPT.map(([m, p, ws]): Case => [m, `${base}${p}`, ws, 'viewer', true])),
  // percent-encoded and doubled-slash spellings reach the same routes (checkTarget decodes unreserved characters, collapses //)
  ['GET', '/%74erminal/2x8Kd1/', true, 'viewer', false],
  ['GET', `${S}/p/58fab3e4/%74erminal/2x8Kd1/`, true, 'viewer', false],
  ['GET', '//terminal/2x8Kd1/', true, 'viewer', false],
  ['GET', `/s//9a8b7c6d5e4f3a2b1c0d9//p/58fab3e4/terminal/1/`, true, 'viewer', false],
  ['POST', '/%72pc/start_%74erminal', false, 'viewer', false],
  ['POST', `${S}/rpc/%73tart_terminal`, false, 'viewer', false],
  ['POST', '/%75pload', false, 'viewer', false],
  ['POST', `${S}/%75pload`, false, 'viewer', false],
  ['GET', `${S}/%66ile_show?path=x`, false, 'viewer', false],
  ['POST', `${S}/e%78port`, false, 'viewer', false],
  // case: RStudio matches prefixes case-sensitively (core/http/UriHandler.cpp starts_with; the RPC
  // map is keyed by exact name), so these reach no handler upstream and the rules let them through
  ['POST', '/Upload', false, 'viewer', true],
  ['POST', `${S}/RPC/start_terminal`, false, 'viewer', true],
  // spellings servers read differently never reach a rule
  ['GET', '/x/../terminal/2x8Kd1/', true, 'viewer', 'refused'],
  ['GET', `${S}/p/58fab3e4/terminal/1/..;/..;/x`, true, 'viewer', 'refused'],
  ['POST', '/upload;jsessionid=1', false, 'viewer', 'refused'],
  ['POST', `${S}/rpc%2Fstart_terminal`, false, 'viewer', 'refused'],
  ['POST', `${S}/upload%3B`, false, 'viewer', 'refused'],
];

t.test('workbench-lockdown preset: every route shape of the IDE, under every base', async (t) => {
  const rules = preset('workbench-lockdown');
  for (const [method, target, websocket, role, allowed] of WORKBENCH) {
    const checked = checkTarget(target);
    t.equal(checked.ok, allowed !== 'refused', `${target} ${allowed === 'refused' ? 'refused' : 'accepted'}: ${checked.ok ? checked.target : checked.reason}`);
    if (!checked.ok) continue;
    const decision = rules.decide({ path: checked.path, method, websocket, clientIp: '10.0.0.1', identity: who(role) });
    t.equal(decision.allow, allowed, `${role} ${method} ${target}${websocket ? ' (WebSocket)' : ''} -> ${decision.rule ?? decision.reasons.join(',')}`);
  }
});

t.test('workbench-lockdown preset with pathCaseSensitive: false also denies other cases', async (t) => {
  const doc = parse(readFileSync(path.join(CONFIG, 'presets', 'workbench-lockdown.yaml'), 'utf8')) as { rules: unknown[] };
  const rules = compileRules(doc.rules.map((r) => ruleSchema.parse(r)), 'allow', false);
  for (const target of ['/Upload', `${S}/RPC/Start_Terminal`, `${P}/TERMINAL/1/`]) {
    const checked = checkTarget(target, false);
    if (!checked.ok) throw new Error(`${target} refused: ${checked.reason}`);
    const decision = rules.decide({ path: checked.path, method: 'POST', websocket: target.includes('TERMINAL'), clientIp: '10.0.0.1', identity: who('viewer') });
    t.equal(decision.allow, false, target);
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
