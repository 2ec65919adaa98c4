/**
 * The fuzz properties, shared by the quick runs in `npm test` and `npm run test:unit`
 * (test/fuzz/*.test.ts) and the long campaign (`npm run fuzz`, scripts/fuzz.ts), which both import
 * this file explicitly. Each complements the property tests in test/unit:
 * these mutate real documents, compare against reference models and check round trips.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadConfigText } from '../../src/config/index.ts';
import { parseGcfg, GcfgSyntaxError } from '../../src/connect/gcfg.ts';
import { isAuthgateError } from '../../src/core/errors.ts';
import { readCookie } from '../../src/session/cookies.ts';
import { resolveClientIp } from '../../src/net/client-ip.ts';
import { compileCidrs, normaliseAddress } from '../../src/net/cidr.ts';
import { checkTarget } from '../../src/policy/paths.ts';
import { safeReturnTo } from '../../src/server/routes/return-to.ts';
import { deriveSessionKeys, seal, unseal, type SealPurpose } from '../../src/session/index.ts';
import { memoryStore, type SharedStore } from '../../src/store/store.ts';
import { createThrottle, networkKey, usernameKey } from '../../src/auth/throttle.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

export interface FuzzProperty {
  name: string;
  /** Runs for `npm test`; the campaign multiplies them. */
  quickRuns: number;
  property: Parameters<typeof fc.assert>[0];
}

/** Inserts, deletes or replaces characters of a seed document at random places. */
function mutated(seeds: string[], alphabet: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), alphabet, fc.integer({ min: 1, max: 8 }));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => {
    let text = seed;
    for (const [kind, at, chars, length] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === 'insert') text = text.slice(0, i) + chars + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + length);
      else text = text.slice(0, i) + chars + text.slice(i + chars.length);
    }
    return text;
  });
}

// ---------- config loader ----------

const CONFIG_SEEDS = ['config/connect.example.yaml', 'config/workbench.example.yaml', 'config/demo.yaml'].map(read);
const yamlChars = fc.oneof(
  fc.constantFrom(':', ' ', '  ', '\n', '-', '[', ']', '{', '}', '"', "'", '#', '&a', '*a', '!!str', '|', '>', '?', ',', '0', '-1', '1e999', 'null', '~', 'true', '\t', '\u0000', '\uFEFF', '<<: *a', 'Env', 'File', '%', '@'),
  fc.string({ maxLength: 6 }),
);

const configLoader: FuzzProperty = {
  name: 'loadConfigText: mutated example configurations give a config or issues, never an exception',
  quickRuns: 300,
  property: fc.property(mutated(CONFIG_SEEDS, yamlChars), (text) => {
    const warn = process.emitWarning;
    process.emitWarning = () => {}; // the yaml package warns about collection keys
    try {
      const result = loadConfigText(text, { env: {}, cwd: ROOT, fileName: path.join(ROOT, 'config/fuzz.yaml') });
      if (!result.ok && (result.issues.length === 0 || result.issues.some((i) => typeof i.path !== 'string' || typeof i.message !== 'string'))) throw new Error('refused without well-formed issues');
    } finally {
      process.emitWarning = warn;
    }
  })
};

// ---------- gcfg ----------

const GCFG_SEEDS = ['connect-ad-sample.gcfg', 'connect-ldap-complete.gcfg', 'connect-oauth2.gcfg', 'connect-syntax-error.gcfg'].map((f) => read(`test/fixtures/connect/${f}`));
const gcfgChars = fc.oneof(fc.constantFrom('[', ']', '"', '\\', ';', '#', '=', ' ', '\t', '\n', '\r', '\\\n', '"\n', 'é', '\u0000', '\uFEFF', 'x'), fc.string({ unit: 'binary', maxLength: 4 }));

const gcfgParser: FuzzProperty = {
  name: 'parseGcfg: mutated real Connect configurations parse or throw ERR_GCFG_SYNTAX with a position',
  quickRuns: 500,
  property: fc.property(mutated(GCFG_SEEDS, gcfgChars), (text) => {
    try {
      parseGcfg(text, 'fuzz.gcfg');
    } catch (error) {
      if (error instanceof GcfgSyntaxError && isAuthgateError(error, 'ERR_GCFG_SYNTAX') && error.line >= 1 && error.column >= 1) return;
      throw error;
    }
  })
};

// ---------- cookies ----------

const cookieName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const cookieValue = fc.stringMatching(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{0,20}$/);
const pairs = fc.array(fc.tuple(fc.oneof(cookieName, fc.constant('__Host-authgate')), cookieValue, fc.constantFrom('; ', ';', ' ; ')), { maxLength: 40 });

const cookieReader: FuzzProperty = {
  name: 'readCookie: agrees with a reference parser on well-formed headers; never returns a value holding ";"',
  quickRuns: 1000,
  property: fc.property(pairs, fc.string({ maxLength: 60 }), (list, junk) => {
    const header = list.map(([n, v, sep], i) => `${n}=${v}${i < list.length - 1 ? sep : ''}`).join('');
    const expected = list.find(([n]) => n === '__Host-authgate')?.[1];
    const got = readCookie(header, '__Host-authgate');
    const unquoted = expected !== undefined && expected.length >= 2 && expected.startsWith('"') && expected.endsWith('"') ? expected.slice(1, -1) : expected;
    if (got !== unquoted) throw new Error(`readCookie(${JSON.stringify(header)}) = ${JSON.stringify(got)}, expected ${JSON.stringify(unquoted)}`);
    for (const h of [junk, `${header}; ${junk}`, `${junk}; ${header}`]) {
      const v = readCookie(h, '__Host-authgate');
      if (v !== undefined && v.includes(';')) throw new Error(`value with ";" from ${JSON.stringify(h)}`);
    }
  })
};

// ---------- X-Forwarded-For ----------

const TRUSTED = compileCidrs(['10.0.0.0/8', '127.0.0.1/32', 'fd00::/8']);
const hop = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.1.1.1', '10.2.2.2', '127.0.0.1', 'fd00::1', '::ffff:10.3.3.3', '192.0.2.1'), fc.ipV4().map((a) => `${a}:8080`), fc.ipV6().map((a) => `[${a}]:443`), fc.string({ maxLength: 8 }));
const peer = fc.oneof(fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '10.9.9.9', '192.0.2.7', '::1'), fc.ipV4());

const forwardedFor: FuzzProperty = {
  name: 'resolveClientIp: the client is the peer or one of the X-Forwarded-For entries; every hop before it is trusted',
  quickRuns: 1000,
  property: fc.property(peer, fc.array(hop, { maxLength: 30 }), fc.constantFrom(',', ', ', ' ,'), (p, hops, sep) => {
    const header = hops.join(sep);
    const result = resolveClientIp(p, header, TRUSTED);
    const peerIp = normaliseAddress(p);
    const candidates = new Set([peerIp, ...hops.map((h) => normaliseAddress(h.trim().replace(/^\[([^\]]*)\].*$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1')))]);
    if (!candidates.has(result.ip)) throw new Error(`client ${result.ip} is neither the peer nor an entry of ${JSON.stringify(header)}`);
    if (result.via.length > 20) throw new Error('more hops than the limit');
    for (const v of result.via) if (!TRUSTED.contains(v)) throw new Error(`untrusted hop ${v} believed`);
    if (result.via.length > 0 && result.via[0] !== peerIp) throw new Error('the first hop is not the peer');
  })
};

// ---------- paths ----------

/** How an upstream that decodes once, drops `;params` and resolves dot segments reads a target. */
function upstreamView(target: string): string {
  const raw = target.split(/[?#]/, 1)[0] as string;
  const decoded = decodeURIComponent(raw);
  const out: string[] = [];
  for (const part of decoded.split('/')) {
    const segment = part.split(';', 1)[0] as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

const pathPiece = fc.oneof(
  fc.constantFrom('/', '//', '.', '..', '%2e', '%2E', '%2f', '%2F', '%5c', '%25', '%252e', ';', ';x=1', '..;', '.;', '%3b', '%2e%2e;', 'terminal', 'TERMINAL', '%74', '%c3%a9', '%c0%ae', '%e2%80%ae', '%00', '%20', '\\', '?', '#', 'a', '~', '%7E', '"', '\xc3\xa9'),
  fc.string({ maxLength: 3 }),
);
const target = fc.array(pathPiece, { maxLength: 16 }).map((p) => `/${p.join('')}`);

const pathOf = (target: string) => (target.includes('?') ? target.slice(0, target.indexOf('?')) : target);
const queryOf = (target: string) => (target.includes('?') ? target.slice(target.indexOf('?')) : '');

const pathCanonical: FuzzProperty = {
  name: 'checkTarget: a target is refused, or forwarded in a canonical form whose decoded path is the match path, idempotent, with no dot segment, ";" or encoded separator, read alike by resolving and literal upstreams',
  quickRuns: 3000,
  property: fc.property(target, fc.boolean(), (t, caseSensitive) => {
    const result = checkTarget(t, caseSensitive);
    if (!result.ok) return;
    const forwarded = pathOf(result.target);
    if (queryOf(result.target) !== queryOf(t)) throw new Error(`query changed: ${JSON.stringify(t)} -> ${JSON.stringify(result.target)}`);
    if (!forwarded.startsWith('/') || forwarded.includes('//')) throw new Error(`not collapsed: ${forwarded}`);
    if (/[;\\]|%(2F|5C|3B)/i.test(forwarded)) throw new Error(`";", backslash or encoded separator forwarded: ${forwarded}`);
    if (/%(?![0-9A-F]{2})/.test(forwarded)) throw new Error(`a % that is not an upper-case escape: ${forwarded}`);
    const decoded = forwarded.split('/').map((s) => decodeURIComponent(s)).join('/');
    if (decoded.split('/').some((s) => s === '.' || s === '..')) throw new Error(`dot segment forwarded: ${forwarded}`);
    if ((caseSensitive ? decoded : decoded.toLowerCase()) !== result.path) throw new Error(`forwarded ${forwarded} decodes to ${decoded}, the rules matched ${result.path}`);
    // An upstream that decodes and resolves dot segments and one that reads the path literally see the same path.
    const strip = (p: string) => (p.length > 1 ? p.replace(/\/$/, '') : p);
    if (strip(upstreamView(result.target)) !== strip(decoded)) throw new Error(`a resolving upstream reads ${upstreamView(result.target)}, a literal one ${decoded}`);
    const again = checkTarget(result.target, caseSensitive);
    if (!again.ok || again.target !== result.target || again.path !== result.path) throw new Error(`not idempotent: ${result.target} -> ${JSON.stringify(again)}`);
    const other = checkTarget(t, !caseSensitive);
    if (!other.ok || other.target !== result.target || other.path.toLowerCase() !== result.path.toLowerCase()) throw new Error('case sensitivity changed more than the match path');
  })
};

// ---------- return-to ----------

const rdPiece = fc.oneof(
  fc.constantFrom('/', '//', '\\', '/\\', '%2f', '%5c', '%252f', '%09', '%0a', '\t', '\n', 'http:', 'https:', 'javascript:', '//evil.example', 'evil.example', '@', '.', '..', '?', '#', '__authgate__', '%2e', '\u3002', '\uff0f', 'a', ':'),
  fc.string({ maxLength: 4 }),
);

export const returnTo: FuzzProperty = {
  name: 'safeReturnTo: idempotent, and what it accepts stays on the origin however leniently a browser reads it',
  quickRuns: 3000,
  property: fc.property(fc.array(rdPiece, { maxLength: 12 }).map((p) => p.join('')), (candidate) => {
    const out = safeReturnTo(candidate);
    if (safeReturnTo(out) !== out) throw new Error(`not idempotent: ${JSON.stringify(candidate)} -> ${JSON.stringify(out)} -> ${JSON.stringify(safeReturnTo(out))}`);
    const lenient = out.replace(/[\t\n\r]/g, '').replace(/\\/g, '/');
    if (!out.startsWith('/') || lenient.startsWith('//')) throw new Error(`leaves the origin: ${JSON.stringify(out)}`);
    if (new URL(lenient, 'https://a.example').origin !== 'https://a.example') throw new Error(`leaves the origin: ${JSON.stringify(out)}`);
    if (new URL(out, 'https://a.example').pathname.startsWith('/__authgate__/')) throw new Error(`points into authgate: ${out}`);
  })
};

// ---------- unseal ----------

const KEYS = deriveSessionKeys(['fuzz-secret-one-0123456789abcdefghijklmnop', 'fuzz-secret-two-0123456789abcdefghijklmnop']);
const OTHER = deriveSessionKeys(['fuzz-secret-other-0123456789abcdefghijklmn']);
const PURPOSES: SealPurpose[] = ['session', 'oidc-tx', 'login-csrf'];

const sealRoundTrip: FuzzProperty = {
  name: 'seal/unseal: a payload comes back unchanged for its purpose only, and never under another key',
  quickRuns: 300,
  property: fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }), fc.constantFrom(...PURPOSES), fc.constantFrom(...PURPOSES), async (payload, purpose, other) => {
    const token = await seal(payload, purpose, KEYS);
    if (token.length > 8192) return;
    const back = await unseal(token, purpose, KEYS);
    if (!back.ok || JSON.stringify(back.payload) !== JSON.stringify(JSON.parse(JSON.stringify(payload)))) throw new Error(`round trip failed: ${JSON.stringify(back)}`);
    if (other !== purpose && (await unseal(token, other, KEYS)).ok) throw new Error(`a ${purpose} token opened as ${other}`);
    const foreign = await unseal(token, purpose, OTHER);
    if (foreign.ok || foreign.reason !== 'unknown-key') throw new Error(`opened with another key: ${JSON.stringify(foreign)}`);
  })
};

// ---------- login throttle under concurrency ----------

/** Every store call waits for the scheduler before it runs and before its answer is seen: any interleaving of concurrent logins. */
function scheduledStore(store: SharedStore, s: fc.Scheduler): SharedStore {
  const wrapped = {} as Record<string, unknown>;
  for (const name of ['revoke', 'isRevoked', 'countFailure', 'failures', 'resetFailures', 'lock', 'lockedUntil', 'reserve', 'release', 'close'] as const) {
    const method = store[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      await s.schedule(Promise.resolve(), `before ${name}`);
      return s.schedule(method.apply(store, args), `answer of ${name}`);
    };
  }
  return wrapped as unknown as SharedStore;
}

/** Spellings that one directory account answers to; the third account's two names share only its unique id. */
const ACCOUNTS = [
  { uniqueId: 'guid-bob', spellings: ['bob', 'BOB', 'ｂob', 'bo\u0301b', 'b\u200bob'] },
  { uniqueId: 'guid-strasse', spellings: ['straße', 'STRASSE', 'STRAẞE', 'ｓtrasse'] },
  { uniqueId: 'guid-frank', spellings: ['frank', 'frank.alias', 'FRANK.ALIAS'] },
];
const CLIENTS = ['192.0.2.1', '::ffff:192.0.2.1', '192.0.2.2', '2001:db8::1', '2001:db8::ffff', '2001:db8:0:1::1'];
const loginAttempt = fc.record({
  account: fc.nat({ max: ACCOUNTS.length - 1 }),
  spelling: fc.nat(),
  client: fc.constantFrom(...CLIENTS),
  outcome: fc.constantFrom('wrong', 'wrong', 'wrong', 'wrong', 'error', 'right'),
});

const throttleConcurrency: FuzzProperty = {
  name: 'throttle: however concurrent logins interleave, wrong passwords checked never exceed the limits per username, account and client network',
  quickRuns: 150,
  property: fc.asyncProperty(
    fc.scheduler(),
    fc.array(loginAttempt, { minLength: 1, maxLength: 50 }),
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 15 }),
    async (s, attempts, maxUser, maxIp) => {
      const memory = memoryStore(() => 1_000_000);
      const throttle = createThrottle(scheduledStore(memory, s), { window: 60_000, maxFailuresPerUser: maxUser, maxFailuresPerIp: maxIp, lockout: 60_000 }, () => 1_000_000, { queueWaitMs: 0 });
      const checked = { user: new Map<string, number>(), account: new Map<string, number>(), network: new Map<string, number>() };
      const forgiven = { user: new Set<string>(), account: new Set<string>() };
      const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      // What login.ts does: reserve, ask the provider, count against the account, settle.
      const flows = attempts.map(async (a) => {
        const account = ACCOUNTS[a.account] as (typeof ACCOUNTS)[number];
        const typed = account.spellings[a.spelling % account.spellings.length] as string;
        const begun = await throttle.begin(typed, a.client);
        if (!begun.ok) return;
        const outcome = await s.schedule(Promise.resolve(a.outcome), `provider answers ${a.outcome}`);
        if (outcome === 'error') return begun.attempt.release();
        if ((await begun.attempt.account(account.uniqueId)) !== undefined) return void (await begun.attempt.failed());
        if (outcome === 'right') {
          forgiven.user.add(usernameKey(typed));
          forgiven.account.add(account.uniqueId);
          return begun.attempt.succeeded();
        }
        add(checked.user, usernameKey(typed));
        add(checked.account, account.uniqueId);
        add(checked.network, networkKey(a.client));
        await begun.attempt.failed();
      });
      await s.waitFor(Promise.all(flows));
      await memory.close();
      for (const [key, n] of checked.user) if (!forgiven.user.has(key) && n > maxUser) throw new Error(`${n} wrong passwords checked for username ${key} (limit ${maxUser})\n${s.report().length} scheduled steps`);
      for (const [key, n] of checked.account) if (!forgiven.account.has(key) && n > maxUser) throw new Error(`${n} wrong passwords checked for account ${key} (limit ${maxUser})`);
      for (const [key, n] of checked.network) if (n > maxIp) throw new Error(`${n} wrong passwords checked from ${key} (limit ${maxIp})`);
    },
  ),
};

export const ALL: FuzzProperty[] = [configLoader, gcfgParser, cookieReader, forwardedFor, pathCanonical, returnTo, sealRoundTrip, throttleConcurrency];
