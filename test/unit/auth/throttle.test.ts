import t from 'tap';
import { createThrottle, networkKey, usernameKey, type Attempt } from '../../../src/auth/throttle.ts';
import { memoryStore } from '../../../src/store/store.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const SETTINGS = { window: 60_000, maxFailuresPerUser: 5, maxFailuresPerIp: 20, lockout: 120_000 };

// Spellings a directory (LDAP caseIgnoreMatch with RFC 4518 preparation, AD) matches to the same account.
const SAME_ACCOUNT: Array<{ name: string; spellings: string[]; key: string }> = [
  { name: 'ASCII case', spellings: ['bob', 'BOB', 'Bob', 'bOb'], key: 'bob' },
  { name: 'full-width letters', spellings: ['ｂob', 'ＢＯＢ', 'ｂｏｂ'], key: 'bob' },
  { name: 'combining marks and zero-width characters', spellings: ['bo\u0301b', 'b\u200bob', 'bo\u00adb', 'b\u034fob', 'bob\ufe0f', '\u200dbob'], key: 'bob' },
  { name: 'sharp s in every case', spellings: ['straße', 'STRASSE', 'strasse', 'STRAẞE', 'Straße'], key: 'strasse' },
  { name: 'Kelvin sign and K', spellings: ['\u212Aate', 'Kate', 'kate', 'ＫＡＴＥ'], key: 'kate' },
  { name: 'dotted and dotless I', spellings: ['İvan', 'ivan', 'IVAN', 'ıvan'], key: 'ivan' },
  { name: 'long s and ligatures', spellings: ['ſam', 'sam', 'ﬀion', 'ffion'].slice(0, 2), key: 'sam' },
  { name: 'Greek final sigma', spellings: ['ΟΔΥΣΣΕΥΣ', 'οδυσσευς', 'οδυσσευσ'], key: 'οδυσσευσ' },
  { name: 'composed and decomposed accents', spellings: ['jos\u00e9', 'jose\u0301', 'JOS\u00c9', 'jose'], key: 'jose' },
  { name: 'surrounding and inner white space', spellings: [' bob ', 'bob\u00a0', '\u3000bob'], key: 'bob' },
];

for (const c of SAME_ACCOUNT) {
  t.test(`usernameKey: ${c.name}`, async (t) => {
    for (const s of c.spellings) t.equal(usernameKey(s), c.key, JSON.stringify(s));
  });
}

t.test('usernameKey keeps different names apart and bounds its output', async (t) => {
  t.not(usernameKey('bob'), usernameKey('rob'));
  t.not(usernameKey('alice'), usernameKey('alicia'));
  t.equal(usernameKey('a'.repeat(10_000)).length, 256);
  t.equal(usernameKey('\ufdfa'.repeat(1000)).length <= 256, true, 'NFKC expansion is cut too');
  t.equal(usernameKey(''), '');
});

t.test('networkKey: IPv4 per address, IPv4-mapped is IPv4, IPv6 per /64', async (t) => {
  const cases: Array<[string, string]> = [
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::ffff:a01:203', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::abcd', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ];
  for (const [ip, key] of cases) t.equal(networkKey(ip), key, ip);
  t.not(networkKey('2001:db8:1:3::1'), networkKey('2001:db8:1:2::1'), 'the next /64 is another network');
  t.not(networkKey('10.1.2.4'), networkKey('10.1.2.3'));
  t.equal(networkKey('not-an-address'), 'not-an-address', 'garbage is its own key');
});

async function begin(throttle: ReturnType<typeof createThrottle>, user: string, ip: string): Promise<Attempt> {
  const begun = await throttle.begin(user, ip);
  if (!begun.ok) throw new Error(`refused until ${begun.until}`);
  return begun.attempt;
}

t.test('failures lock the username at the limit; other spellings share it', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  const throttle = createThrottle(store, SETTINGS, c.now);
  const spellings = ['bob', 'BOB', 'ｂob', 'bo\u0301b', 'Bob'];
  for (const s of spellings) await (await begin(throttle, s, '10.0.0.1')).failed();
  const refused = await throttle.begin('bob', '10.0.0.2');
  t.same(refused, { ok: false, until: c.now() + SETTINGS.lockout }, 'the sixth attempt, from another IP, is refused until the lockout ends');
  t.equal(await throttle.blockedUntil('ＢＯＢ', '10.0.0.9'), c.now() + SETTINGS.lockout);
  t.equal((await throttle.begin('alice', '10.0.0.3')).ok, true, 'other users are not affected');
  c.advance(SETTINGS.lockout);
  t.equal((await throttle.begin('bob', '10.0.0.2')).ok, true, 'after the lockout');
});

t.test('after a lockout that ends inside the window: one attempt, and its failure locks again', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  const throttle = createThrottle(store, { window: 600_000, maxFailuresPerUser: 3, maxFailuresPerIp: 50, lockout: 60_000 }, c.now);
  for (let i = 0; i < 3; i++) await (await begin(throttle, 'ivy', '10.0.0.8')).failed();
  t.equal((await throttle.begin('ivy', '10.0.0.8')).ok, false, 'locked');
  c.advance(60_000);
  const [one, two] = await Promise.all([throttle.begin('ivy', '10.0.0.8'), throttle.begin('ivy', '10.0.0.9')]);
  t.equal(one.ok, true, 'one attempt once the lockout has ended');
  t.equal(two.ok, false, 'not two at once');
  if (one.ok) await one.attempt.failed();
  t.same(await throttle.begin('ivy', '10.0.0.8'), { ok: false, until: c.now() + 60_000 }, 'its failure locks again at once');
  c.advance(60_000);
  const right = await throttle.begin('ivy', '10.0.0.8');
  t.equal(right.ok, true);
  if (right.ok) await right.attempt.succeeded();
  t.equal(await store.failures('u:ivy'), 0, 'a success forgives everything');
});

t.test('concurrent attempts: the limit is reserved before any provider answer', async (t) => {
  const store = memoryStore();
  t.teardown(() => store.close());
  const throttle = createThrottle(store, SETTINGS, Date.now, { queueWaitMs: 0 });
  const begun = await Promise.all(Array.from({ length: 40 }, () => throttle.begin('bob', '10.0.0.1')));
  t.equal(begun.filter((b) => b.ok).length, 5, '5 of 40');
  const sprayed = await Promise.all(Array.from({ length: 40 }, (_, i) => throttle.begin(`user${i}`, '10.0.0.2')));
  t.equal(sprayed.filter((b) => b.ok).length, 20, '20 of 40 usernames from one IP');
  const v6 = await Promise.all(Array.from({ length: 40 }, (_, i) => throttle.begin(`v6user${i}`, `2001:db8::${(i + 1).toString(16)}`)));
  t.equal(v6.filter((b) => b.ok).length, 20, '20 of 40 from 40 addresses in one /64');
});

t.test('queued: concurrent right passwords all get in; concurrent wrong ones stop at the limit', async (t) => {
  const store = memoryStore();
  t.teardown(() => store.close());
  const throttle = createThrottle(store, SETTINGS);
  const settleLater = async (username: string, right: boolean) => {
    const begun = await throttle.begin(username, '10.0.0.9');
    if (!begun.ok) return 'refused';
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (right) await begun.attempt.succeeded();
    else await begun.attempt.failed();
    return right ? 'in' : 'checked';
  };
  const right = await Promise.all(Array.from({ length: 40 }, () => settleLater('bob', true)));
  t.equal(right.filter((r) => r === 'in').length, 40, '40 of 40 right passwords for one user from one IP get in (5 at a time)');
  const wrong = await Promise.all(Array.from({ length: 40 }, () => settleLater('mallory', false)));
  t.equal(wrong.filter((r) => r === 'checked').length, 5, 'only 5 wrong passwords are ever checked');
  t.equal(wrong.filter((r) => r === 'refused').length, 35, 'the rest are refused once the lockout starts');
});

t.test('success forgives the username and gives the IP its slot back; release gives both back', async (t) => {
  const store = memoryStore();
  t.teardown(() => store.close());
  const throttle = createThrottle(store, { ...SETTINGS, maxFailuresPerIp: 3 });
  for (let i = 0; i < 2; i++) await (await begin(throttle, 'carol', '10.0.0.5')).failed();
  await (await begin(throttle, 'carol', '10.0.0.5')).succeeded();
  t.equal(await store.failures('u:carol'), 0, 'username forgiven');
  t.equal(await store.failures('ip:10.0.0.5'), 2, 'the IP keeps its two failures, not the success');
  const released = await begin(throttle, 'dave', '10.0.0.5');
  t.equal(await store.failures('u:dave'), 1);
  await released.release();
  t.equal(await store.failures('u:dave'), 0);
  t.equal(await store.failures('ip:10.0.0.5'), 2);
  await released.failed();
  t.equal(await store.failures('u:dave'), 0, 'an attempt is settled once');
  for (let i = 0; i < 10; i++) await (await begin(throttle, `ok${i}`, '10.0.0.5')).succeeded();
  t.equal((await throttle.begin('eve', '10.0.0.5')).ok, true, 'ten successful logins from one IP do not use up its budget');
});

t.test('the account budget: every spelling the provider maps to one account counts there', async (t) => {
  const c = clock();
  const store = memoryStore(c.now);
  t.teardown(() => store.close());
  const throttle = createThrottle(store, { ...SETTINGS, maxFailuresPerIp: 1000 }, c.now);
  // spellings usernameKey does not join, which a directory might still match to one entry
  for (let i = 0; i < 5; i++) {
    const attempt = await begin(throttle, `frank-alias-${i}`, '10.0.0.6');
    t.equal(await attempt.account('ldap:guid-1'), undefined, `attempt ${i + 1} on the account`);
    await attempt.failed();
  }
  const sixth = await begin(throttle, 'frank-alias-6', '10.0.0.6');
  t.equal(await sixth.account('ldap:guid-1'), c.now() + SETTINGS.lockout, 'the account is locked whatever the spelling');
  await sixth.failed();
  const other = await begin(throttle, 'grace', '10.0.0.6');
  t.equal(await other.account('ldap:guid-2'), undefined, 'another account is not');
  await other.succeeded();
});

t.test('the delay grows with the failures and is capped', async (t) => {
  const store = memoryStore();
  t.teardown(() => store.close());
  const throttle = createThrottle(store, { ...SETTINGS, maxFailuresPerUser: 100, maxFailuresPerIp: 100 });
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) delays.push(await (await begin(throttle, 'henry', '10.0.0.7')).failed());
  t.same(delays, [200, 400, 800, 1600, 2000, 2000, 2000]);
});
