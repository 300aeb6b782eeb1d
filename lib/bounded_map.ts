/**
 * A memo's bound: a `Map` that empties itself when a new key would take it past `max` entries.
 * Why emptied rather than evicting the oldest: the memos it serves (Host and `Accept` verdicts,
 * compiled URL templates, envelope classifications, address literals) hold a few keys each in
 * normal traffic, so clearing is as good as any eviction and costs no bookkeeping per hit; a client
 * sending endless distinct keys then costs what it did without the memo.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  /** An empty map of at most `max` entries. */
  constructor(readonly max: number) {
    super();
  }

  /** Sets `key`, first emptying the map when the key is new and the map is full. */
  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
