/**
 * Checking a username and password: double bind (service account or anonymous search,
 * then a bind as each candidate entry on a bind-pool connection) or single bind (bind as the
 * user through a template on a bind-pool connection, then read the own entry there). Then account
 * state and groups; whether the user is permitted is admit()'s judgement, not the adapter's.
 * Every step is reported through the trace.
 */
import type { PasswordOutcome, Profile } from '../../core/index.ts';
import { isAuthgateError } from '../../core/index.ts';
import { accountBlock, ACCOUNT_ATTRIBUTES } from './account.ts';
import type { LdapConnection } from './client.ts';
import { rawValues, stringValues, type LdapEntry } from './entry.ts';
import { guidToString, isGuidAttribute } from './guid.ts';
import { and, userBaseFilter, userByNameFilter } from '../../ldap-syntax/index.ts';
import { isActiveDirectory, resolveGroups } from './groups.ts';
import { entryToProfile, uniqueIdOf, userAttributesToRequest } from './map-entry.ts';
import { templateIsDn, singleBindTemplate, type LdapRuntime } from './runtime.ts';
import type { Trace } from './trace.ts';
import { isBlankPassword, usernameProblem } from './username.ts';

/** At most this many entries for one username (a global catalog may return several). */
const MAX_CANDIDATES = 10;

export function userAttributes(rt: LdapRuntime): string[] {
  const extra = [...ACCOUNT_ATTRIBUTES];
  if (rt.config.groupSearchBaseDN !== undefined && rt.config.groupMembership === 'memberOf') extra.push(rt.config.memberOfAttribute);
  return userAttributesToRequest(rt.config, extra);
}

type BindResult = 'ok' | 'bad' | 'blocked';

/** Binds as dn on a bind-pool connection and runs work there; a refused bind gives 'bad' or 'blocked'. */
async function bindAs<T>(rt: LdapRuntime, dn: string, password: string, work: (connection: LdapConnection) => Promise<T>, trace?: Trace): Promise<{ result: 'ok'; value: T } | { result: 'bad' | 'blocked' }> {
  try {
    return { result: 'ok', value: await rt.bindPool.asUser(dn, password, work, trace) };
  } catch (error) {
    if (isAuthgateError(error, 'ERR_BAD_CREDENTIALS')) return { result: 'bad' };
    if (isAuthgateError(error, 'ERR_ACCOUNT_DISABLED')) return { result: 'blocked' };
    throw error;
  }
}

/** Entry, account state, groups: the part shared by both bind styles and refresh. */
export async function completeProfile(
  rt: LdapRuntime,
  entry: LdapEntry,
  connection: LdapConnection,
  trace?: Trace,
): Promise<{ ok: true; profile: Profile } | { ok: false; reason: 'account-disabled' | 'provider-unavailable'; detail: string }> {
  const shown = userAttributes(rt)
    .filter((name) => stringValues(entry, name).length > 0)
    .map((name) => {
      const values = isGuidAttribute(name) ? rawValues(entry, name).map((raw) => guidToString(raw) ?? raw.toString('hex')) : stringValues(entry, name);
      return `${name}=${JSON.stringify(values.length > 1 ? values : values[0])}`;
    });
  trace?.({ step: 'attributes', ok: true, message: shown.join(' ') || '(none requested)' });
  const block = accountBlock(entry, rt.clock());
  if (block) {
    trace?.({ step: 'account', ok: false, message: `account is ${block}` });
    return { ok: false, reason: 'account-disabled', detail: `account ${entry.dn} is ${block}` };
  }
  const groups = await resolveGroups(connection, rt.config, entry, () => rt.activeDirectory(() => isActiveDirectory(connection)), trace);
  const mapped = entryToProfile(rt.id, entry, rt.config, groups.all);
  if (!mapped.ok) {
    trace?.({ step: 'entry', ok: false, message: mapped.problem });
    return { ok: false, reason: 'provider-unavailable', detail: mapped.problem };
  }
  return { ok: true, profile: mapped.profile };
}

async function doubleBind(rt: LdapRuntime, username: string, password: string, trace?: Trace): Promise<PasswordOutcome> {
  const pool = rt.pool as NonNullable<LdapRuntime['pool']>;
  const filter = userByNameFilter(rt.config, username);
  trace?.({ step: 'filter', ok: true, message: `base=${JSON.stringify(rt.config.userSearchBaseDN)} filter=${filter}` });
  const { entries } = await pool.withConnection(
    (c) => c.search({ base: rt.config.userSearchBaseDN, scope: 'sub', filter, attributes: userAttributes(rt), sizeLimit: MAX_CANDIDATES }),
    trace,
  );
  if (entries.length === 0) {
    trace?.({ step: 'entry', ok: false, message: 'no entry matches' });
    return { ok: false, reason: 'bad-credentials', detail: 'no such user' };
  }
  trace?.({ step: 'entry', ok: true, message: `found ${entries.map((e) => e.dn).join('; ')}` });
  const outcomes: { entry: LdapEntry; result: BindResult }[] = [];
  for (const entry of entries) {
    const { result } = await bindAs(rt, entry.dn, password, () => Promise.resolve(), trace);
    outcomes.push({ entry, result });
  }
  const succeeded = outcomes.filter((o) => o.result === 'ok');
  if (entries.length > 1) {
    rt.logger?.warn({ provider: rt.id, event: 'ldap.username.ambiguous', username, candidates: entries.map((e) => e.dn), accepted: succeeded.map((o) => o.entry.dn) },
      'several directory entries match one username');
  }
  if (succeeded.length > 1) return { ok: false, reason: 'ambiguous-user', detail: `password matches ${succeeded.length} entries for this username` };
  const chosen = succeeded[0];
  if (!chosen) {
    if (outcomes.some((o) => o.result === 'blocked')) return { ok: false, reason: 'account-disabled', detail: 'the directory refused a disabled, locked or expired account' };
    // One entry: its id, so that throttling counts every spelling of this account together.
    const only = entries.length === 1 ? uniqueIdOf(entries[0] as LdapEntry, rt.config.uniqueIdAttribute) : undefined;
    return { ok: false, reason: 'bad-credentials', detail: 'wrong password', ...(only ? { uniqueId: only } : {}) };
  }
  const completed = await pool.withConnection((c) => completeProfile(rt, chosen.entry, c, trace), trace);
  return completed.ok ? completed : { ok: false, reason: completed.reason, detail: completed.detail };
}

async function singleBind(rt: LdapRuntime, username: string, password: string, trace?: Trace): Promise<PasswordOutcome> {
  const name = rt.bindNameFor(username);
  const bound = await bindAs(rt, name, password, (connection) => readOwnEntry(rt, connection, name, username, trace), trace);
  if (bound.result === 'ok') return bound.value;
  return bound.result === 'bad'
    ? { ok: false, reason: 'bad-credentials', detail: 'bind refused' }
    : { ok: false, reason: 'account-disabled', detail: 'the directory refused a disabled, locked or expired account' };
}

/** Single bind, bound as the user: the own entry, then the rest of the profile. */
async function readOwnEntry(rt: LdapRuntime, connection: LdapConnection, name: string, username: string, trace?: Trace): Promise<PasswordOutcome> {
  const byDn = templateIsDn(singleBindTemplate(rt.config));
  const filter = byDn ? userBaseFilter(rt.config) : userByNameFilter(rt.config, username);
  const base = byDn ? name : rt.config.userSearchBaseDN;
  trace?.({ step: 'filter', ok: true, message: `own entry: base=${JSON.stringify(base)} filter=${and(filter)}` });
  const { entries } = await connection.search({ base, scope: byDn ? 'base' : 'sub', filter, attributes: userAttributes(rt), sizeLimit: MAX_CANDIDATES, missingBaseIsEmpty: true });
  if (entries.length !== 1) {
    trace?.({ step: 'entry', ok: false, message: `expected one own entry, found ${entries.length}` });
    return entries.length === 0
      ? { ok: false, reason: 'provider-unavailable', detail: `bound as ${name} but cannot read the own entry; check usernameAttribute and userSearchBaseDN` }
      : { ok: false, reason: 'ambiguous-user', detail: `${entries.length} entries match ${username}` };
  }
  const entry = entries[0] as LdapEntry;
  trace?.({ step: 'entry', ok: true, message: `found ${entry.dn}` });
  const completed = await completeProfile(rt, entry, connection, trace);
  return completed.ok ? completed : { ok: false, reason: completed.reason, detail: completed.detail };
}

export async function login(rt: LdapRuntime, username: string, password: string, trace?: Trace): Promise<PasswordOutcome> {
  const problem = usernameProblem(username);
  if (problem) {
    trace?.({ step: 'result', ok: false, message: `username refused: ${problem}` });
    return { ok: false, reason: 'username-invalid', detail: problem };
  }
  if (isBlankPassword(password)) {
    trace?.({ step: 'result', ok: false, message: 'empty password refused before any bind' });
    return { ok: false, reason: 'bad-credentials', detail: 'empty password' };
  }
  try {
    const outcome = rt.pool ? await doubleBind(rt, username, password, trace) : await singleBind(rt, username, password, trace);
    trace?.({ step: 'result', ok: outcome.ok, message: outcome.ok ? `authenticated ${outcome.profile.username} (${outcome.profile.uniqueId})` : `${outcome.reason}: ${outcome.detail ?? ''}` });
    return outcome;
  } catch (error) {
    if (!isAuthgateError(error)) throw error;
    const detail = `${error.code}: ${error.message}`;
    trace?.({ step: 'result', ok: false, message: detail });
    rt.logger?.error({ provider: rt.id, err: { code: error.code, message: error.message } }, 'LDAP login failed');
    return { ok: false, reason: 'provider-unavailable', detail };
  }
}
