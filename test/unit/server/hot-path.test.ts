import t from 'tap';
import type { Identity } from '../../../src/core/identity.ts';
import { HeaderNames, identityStripper } from '../../../src/proxy/headers.ts';
import { HotPathCaches } from '../../../src/server/hot-path.ts';

const alice: Identity = { provider: 'local', uniqueId: 'u-1', username: 'alice', groups: ['staff'], role: 'viewer', authTime: 1, refreshedAt: 1 };

function caches(identityHeaders: (identity: Identity) => Array<[string, string]> = (i) => [['X-Auth-Username', i.username]]) {
  return new HotPathCaches({ headerNames: new HeaderNames(identityStripper(['X-Auth-Username'], [])), identityHeaders });
}

t.test('request ids: 12 base64url characters, distinct across pool refills', async (t) => {
  const c = caches();
  const ids = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const id = c.requestId();
    t.match(id, /^[A-Za-z0-9_-]{12}$/);
    ids.add(id);
  }
  t.equal(ids.size, 3000);
  t.not(caches().requestId(), c.requestId(), 'another runtime draws its own ids');
});

t.test('one memo per connection, created on first use', async (t) => {
  const c = caches();
  const socketA = {};
  const socketB = {};
  t.equal(c.connection(socketA), c.connection(socketA));
  t.not(c.connection(socketA), c.connection(socketB));
  c.connection(socketA).peerIp = '192.0.2.1';
  t.equal(c.connection(socketB).peerIp, undefined);
  t.equal(caches().connection(socketA).peerIp, undefined, "a new runtime's caches start empty (reload)");
});

t.test('a connection memo hashes a token once while the connection repeats it, again when it changes', async (t) => {
  const c = caches();
  const derived: string[] = [];
  const derive = (token: string) => {
    derived.push(token);
    return `key:${token}`;
  };
  const a = c.connection({});
  const b = c.connection({});
  t.equal(a.keyOf('t1', derive), 'key:t1');
  t.equal(a.keyOf('t1', derive), 'key:t1');
  t.same(derived, ['t1']);
  t.equal(a.keyOf('t2', derive), 'key:t2');
  t.equal(a.keyOf('t1', derive), 'key:t1');
  t.same(derived, ['t1', 't2', 't1']);
  t.equal(b.keyOf('t1', derive), 'key:t1', 'another connection never answers from this one');
  t.same(derived, ['t1', 't2', 't1', 't1']);
});

t.test('identity headers are built once per Identity object and per runtime', async (t) => {
  let built = 0;
  const build = (i: Identity): Array<[string, string]> => {
    built++;
    return [['X-Auth-Username', i.username]];
  };
  const c = caches(build);
  t.same(c.identityPairs(alice), [['X-Auth-Username', 'alice']]);
  t.equal(c.identityPairs(alice), c.identityPairs(alice));
  t.equal(built, 1);
  t.same(c.identityPairs({ ...alice, username: 'bob' }), [['X-Auth-Username', 'bob']], 'a new identity (a refresh) builds its own');
  t.equal(built, 2);
  const reloaded = caches(build);
  reloaded.identityPairs(alice);
  t.equal(built, 3, 'a reload builds them again');
});

t.test('the readiness probe starts as never probed', async (t) => {
  t.same(caches().readiness, { at: 0, ok: false });
});
