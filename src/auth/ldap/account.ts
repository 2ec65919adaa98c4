/**
 * Active Directory account state: disabled, locked and expired accounts are refused even
 * with the right password, and end sessions at refresh. Pure; the clock is passed in.
 */
import { firstString, type LdapEntry } from './entry.ts';

/** The AD attributes this module reads; requesting them from other servers is harmless. */
export const ACCOUNT_ATTRIBUTES = ['userAccountControl', 'msDS-User-Account-Control-Computed', 'accountExpires'];

const UAC_ACCOUNTDISABLE = 0x0002;
const UAC_LOCKOUT = 0x0010;
const UAC_PASSWORD_EXPIRED = 0x800000;

export type AccountBlock = 'disabled' | 'locked' | 'expired' | 'password-expired';

/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const FILETIME_EPOCH_OFFSET = 116_444_736_000_000_000n;
const NEVER = 9_223_372_036_854_775_807n;

/** AD FILETIME (100 ns since 1601) -> ms since 1970; undefined for 0 and "never". */
export function filetimeToMs(value: string): number | undefined {
  if (!/^-?\d+$/.test(value.trim())) return undefined;
  const ticks = BigInt(value.trim());
  if (ticks <= 0n || ticks >= NEVER) return undefined;
  return Number((ticks - FILETIME_EPOCH_OFFSET) / 10_000n);
}

function flags(entry: LdapEntry, attribute: string): number {
  const text = firstString(entry, attribute);
  const value = text === undefined ? 0 : Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : 0;
}

/**
 * Why the account may not log in, or undefined. `userAccountControl` carries the disabled
 * bit; the lockout and password-expired bits are only reliable in the constructed
 * `msDS-User-Account-Control-Computed`; `accountExpires` is compared with `nowMs`.
 */
export function accountBlock(entry: LdapEntry, nowMs: number): AccountBlock | undefined {
  const uac = flags(entry, 'userAccountControl');
  const computed = flags(entry, 'msDS-User-Account-Control-Computed');
  if (uac & UAC_ACCOUNTDISABLE) return 'disabled';
  if ((uac | computed) & UAC_LOCKOUT) return 'locked';
  const expires = firstString(entry, 'accountExpires');
  const expiresMs = expires === undefined ? undefined : filetimeToMs(expires);
  if (expiresMs !== undefined && expiresMs <= nowMs) return 'expired';
  if (computed & UAC_PASSWORD_EXPIRED) return 'password-expired';
  return undefined;
}

/**
 * AD explains a failed bind in the diagnostic message (`... data 533, v4563`). Codes other
 * than 52e (wrong password) are only given when the password was right.
 */
export function adBindFailure(message: string): AccountBlock | 'bad-password' | undefined {
  const code = /\bdata ([0-9a-f]{3}),/i.exec(message)?.[1]?.toLowerCase();
  switch (code) {
    case undefined: return undefined;
    case '52e': case '525': return 'bad-password';
    case '533': case '530': case '531': return 'disabled';
    case '775': return 'locked';
    case '701': return 'expired';
    case '532': case '773': return 'password-expired';
    default: return undefined;
  }
}
