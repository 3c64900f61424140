/**
 * The backbone's input buffers of a batch, reused from one batch to the next in this thread.
 *
 * A batch of 16 images holds ~10 MB of whole-image input and ~48 MB of crops (5 × 224² × 3 floats
 * each). Allocated afresh for every batch, each buffer's pages are faulted in and zeroed by the
 * kernel on first touch and the old ones left to the garbage collector: in a profiled first
 * `qc train --augment 4`, writing the crops into fresh arrays and copying them into a fresh batch
 * array took ~6 of each preparation worker's ~87 s. Here each prepared image writes its whole-image
 * input and crops straight into its slot of the batch's buffers (prepare.ts `target`), which go to
 * the backbone as they are, and the buffers go back to this pool once the backbone has read them.
 *
 * A buffer is lent to one batch at a time (taken before its images are prepared, given back after
 * its backbone calls resolved), so batches running at once in one thread never share one. Free
 * buffers are kept only while they are used: RELEASE_MS after the last batch gave one back, the
 * pool lets them all go, so an idle worker holds no batch memory.
 */

/** How long free buffers are kept after the last one came back. */
export const RELEASE_MS = 2000;
/** Free buffers kept at most (two batches in flight × whole and crops). */
const KEEP = 4;

export class Float32Pool {
  private free: Float32Array<ArrayBuffer>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly releaseMs = RELEASE_MS) {}

  /** A buffer of exactly `n` floats, its contents left over from an earlier batch (every slot must be written). */
  take(n: number): Float32Array<ArrayBuffer> {
    const i = this.free.findIndex((b) => b.length === n);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return new Float32Array(n);
  }

  /** Back to the pool (the caller no longer reads or writes it, nor does any call it was handed to). */
  give(b: Float32Array<ArrayBuffer>): void {
    if (b.byteOffset !== 0 || b.length !== b.buffer.byteLength / 4 || this.free.includes(b)) return;
    this.free.push(b);
    if (this.free.length > KEEP) this.free.shift();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.releaseMs);
    this.timer.unref?.();
  }

  /** Free buffers held now (for tests). */
  get size(): number {
    return this.free.length;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.free = [];
  }
}
