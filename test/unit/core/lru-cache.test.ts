/** The bounded session/assertion cache: size bound, recently used entries kept, counters. */
import t from 'tap';
import { LruCache } from '../../../src/core/lru-cache.ts';

t.test('never holds more than its bound, evicting the oldest untouched entry', async (t) => {
  const cache = new LruCache<string, number>(3);
  for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) cache.set(key, i);
  t.equal(cache.size, 3);
  t.equal(cache.get('a'), undefined, 'the oldest entry went');
  t.same(['b', 'c', 'd'].map((k) => cache.get(k)), [1, 2, 3]);
});

t.test('an entry read since it was stored survives the next eviction', async (t) => {
  const cache = new LruCache<string, number>(3);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  t.equal(cache.get('a'), 1);
  cache.set('d', 4);
  t.equal(cache.get('a'), 1, 'a was used: kept');
  t.equal(cache.get('b'), undefined, 'b was the oldest unused: evicted');
  t.equal(cache.size, 3);
});

t.test('when every entry was used, eviction still ends and keeps the bound', async (t) => {
  const cache = new LruCache<number, number>(100);
  for (let i = 0; i < 100; i++) cache.set(i, i);
  for (let i = 0; i < 100; i++) cache.get(i);
  for (let i = 100; i < 1000; i++) {
    cache.set(i, i);
    t.equal(cache.size, 100);
  }
  t.equal(cache.get(999), 999, 'the newest entry is there');
});

t.test('hits, misses, overwrite and delete', async (t) => {
  const cache = new LruCache<string, string>(2);
  t.equal(cache.get('x'), undefined);
  cache.set('x', '1');
  cache.set('x', '2');
  t.equal(cache.size, 1, 'overwriting does not add');
  t.equal(cache.get('x'), '2');
  cache.delete('x');
  t.equal(cache.get('x'), undefined);
  t.same({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 2 });
  const off = new LruCache<string, string>(0);
  off.set('a', 'b');
  t.equal(off.size, 0, 'a zero bound caches nothing');
});
