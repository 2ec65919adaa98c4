/**
 * A bounded map with approximate least-recently-used eviction (the "second chance" clock): a
 * hit only marks the entry; when full, the oldest unmarked entry goes, marked ones it passes
 * are unmarked and moved to the young end. A hit costs one Map lookup instead of the delete
 * and re-insert of an exact LRU (measured on the per-request session and assertion caches).
 */
interface Slot<V> {
  value: V;
  used: boolean;
}

export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, Slot<V>>();
  hits = 0;
  misses = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    slot.used = true;
    return slot.value;
  }

  set(key: K, value: V): void {
    if (this.#max <= 0) return;
    const slot = this.#map.get(key);
    if (slot !== undefined) {
      slot.value = value;
      slot.used = true;
      return;
    }
    this.#map.set(key, { value, used: false });
    if (this.#map.size > this.#max) this.#evictOne();
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }

  /** Ends after at most size + 1 steps: every step past a marked entry clears its mark. */
  #evictOne(): void {
    for (const [key, slot] of this.#map) {
      this.#map.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.#map.set(key, slot);
    }
  }
}
