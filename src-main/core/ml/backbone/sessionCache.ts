/**
 * onnxruntime sessions (or anything opened asynchronously) opened once per key and kept: callers
 * that ask while an open is pending share it, and a failed open is forgotten, so the next call
 * tries again (a models folder the user fixed, a file that was still being copied). The backbone
 * in the engine and in each preparation worker and the defect net in each thread keep theirs here.
 *
 * Written by hand: a keyed cache of pending promises is a dozen lines, where a memoisation
 * package would bring its own rejection and eviction rules to learn for the same behaviour.
 */
export class SessionCache<T> {
  private readonly open = new Map<string, Promise<T>>();

  /** The value for `key`: the cached one, else `create()`'s, cached until it fails. */
  get(key: string, create: () => Promise<T>): Promise<T> {
    let p = this.open.get(key);
    if (!p) {
      p = create();
      const mine = p;
      // Forget only this attempt: a later one may already have taken the key.
      p.catch(() => {
        if (this.open.get(key) === mine) this.open.delete(key);
      });
      this.open.set(key, p);
    }
    return p;
  }

  /** Every value opened or opening, removed from the cache (to close them). */
  drain(): Promise<T>[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }
}
