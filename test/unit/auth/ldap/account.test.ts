/** AD account state and bind sub-codes (src/auth/ldap/account.ts). */
import t from 'tap';
import { makeEntry } from '../../../../src/auth/ldap/entry.ts';
import { accountBlock, adBindFailure, filetimeToMs } from '../../../../src/auth/ldap/account.ts';

t.test('AD account state', async (t) => {
  const now = Date.UTC(2025, 5, 1);
  const filetime = (ms: number) => String(BigInt(ms) * 10_000n + 116_444_736_000_000_000n);
  const cases: [string, Record<string, string[]>, string | undefined][] = [
    ['normal', { userAccountControl: ['512'] }, undefined],
    ['disabled (bit 2)', { userAccountControl: ['514'] }, 'disabled'],
    ['locked (computed)', { userAccountControl: ['512'], 'msDS-User-Account-Control-Computed': ['16'] }, 'locked'],
    ['expired', { userAccountControl: ['512'], accountExpires: [filetime(now - 1000)] }, 'expired'],
    ['expires later', { accountExpires: [filetime(now + 1000)] }, undefined],
    ['never expires (0)', { accountExpires: ['0'] }, undefined],
    ['never expires (max)', { accountExpires: ['9223372036854775807'] }, undefined],
    ['password expired', { 'msDS-User-Account-Control-Computed': [String(0x800000)] }, 'password-expired'],
    ['OpenLDAP entry', {}, undefined],
  ];
  for (const [name, attributes, expected] of cases) t.equal(accountBlock(makeEntry('cn=x', attributes), now), expected, name);
  t.equal(filetimeToMs('0'), undefined, '0 = never');
  t.equal(filetimeToMs('116444736000000000'), 0, 'the Unix epoch');
  t.equal(filetimeToMs(filetime(now)), now);
  const codes: [string, string | undefined][] = [
    ['80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1', 'bad-password'],
    ['... data 533, v1db1', 'disabled'],
    ['... data 775, v1db1', 'locked'],
    ['... data 701, v1db1', 'expired'],
    ['... data 773, v1db1', 'password-expired'],
    ['Invalid credentials', undefined],
  ];
  for (const [message, expected] of codes) t.equal(adBindFailure(message), expected, message);
});
