/**
 * A byte budget shared by the downloads of one import (importer.ts DOWNLOAD_BUDGET_BYTES), so that
 * parallel downloads of large bodies do not all sit in memory at once. A download holds a
 * Reservation: before its body is read it asks for the body's Content-Length (when unknown, for
 * more as the bytes arrive: fetch.ts readBody), and it waits while the budget is spent. The
 * importer gives the bytes back when it is done with the body (stored or failed), on every path.
 * A picture read whole from the disk (a chosen folder's, a mirror's, an allowed `file:` URL's)
 * holds its size the same way, before a byte is read (sources.ts holdingReads).
 *
 * Requests are granted in the order they were made, those of reservations already holding bytes
 * (a body of unknown length that grows) first: their bytes are in memory already, and finishing
 * them frees memory soonest; no new body starts reading while an earlier one waits, so a large
 * body is not starved by a stream of small ones. A request is granted when it fits, or when no
 * other reservation could ever give bytes back, because none holds bytes outside this queue: so a
 * body larger than the whole budget runs alone, and bodies of unknown length that all wait for
 * more cannot deadlock (the first of them goes on over the budget, by at most its own size).
 * A waiting request leaves the queue at once when its signal aborts (a cancel, a timeout).
 *
 * Written here rather than taken from a package: node_modules has p-limit, which counts tasks, not
 * bytes; none of the packages at hand grows a reservation that is already held, lets one waiter
 * leave the queue on its own AbortSignal, or runs an oversized request alone.
 */

/** How much more a body of unknown length reserves each time it outgrows its reservation. */
export const GROWTH_STEP = 1024 * 1024;

interface Request {
  reservation: Reservation;
  bytes: number;
  grant: () => void;
  fail: (reason: unknown) => void;
}

export class ByteBudget {
  private used = 0;
  /** Waiting requests: those of reservations holding bytes first, then the rest, each in order. */
  private readonly queue: Request[] = [];

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`a byte budget must be positive, got ${limit}`);
  }

  /** Bytes held by all reservations now (may exceed the limit: see above). */
  get inUse(): number {
    return this.used;
  }

  /** Requests waiting now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** A new reservation holding nothing. */
  reservation(): Reservation {
    return new Reservation(this);
  }

  /** @internal Queue a request of `r` to hold `bytes` in all. */
  request(r: Reservation, bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.some((q) => q.reservation === r)) return Promise.reject(new Error('a reservation asked for more while it already waited'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.remove(req);
        reject(signal!.reason);
        this.pump(); // the head may have been this one
      };
      const req: Request = {
        reservation: r,
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const at = r.held > 0 ? this.queue.findIndex((q) => q.reservation.held === 0) : -1;
      if (at < 0) this.queue.push(req);
      else this.queue.splice(at, 0, req);
      this.pump();
    });
  }

  /** @internal `r` gives back bytes (down to `bytes`), leaving the queue if it waits. */
  giveBack(r: Reservation, bytes: number, waiting: unknown): void {
    const req = this.queue.find((q) => q.reservation === r);
    if (req) {
      this.remove(req);
      req.fail(waiting);
    }
    this.used -= r.held - bytes;
    r.held = bytes;
    this.pump();
  }

  private remove(req: Request): void {
    const i = this.queue.indexOf(req);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Grant the requests at the head of the queue that may go on now. */
  private pump(): void {
    while (this.queue.length) {
      const head = this.queue[0]!;
      const r = head.reservation;
      const more = head.bytes - r.held;
      // Bytes held by reservations that will give some back without waiting for this budget first.
      const waitingHeld = this.queue.reduce((sum, q) => sum + q.reservation.held, 0);
      const othersActive = this.used - waitingHeld > 0;
      if (this.used + more > this.limit && othersActive) return;
      this.queue.shift();
      this.used += more;
      r.held = head.bytes;
      head.grant();
    }
  }
}

/** Bytes of a ByteBudget held by one download or file read. Release it on every path (`finally`). */
export class Reservation {
  /** Bytes held now. */
  held = 0;

  constructor(private readonly budget: ByteBudget) {}

  /**
   * Hold at least `bytes` in all: at once when already held, else when the budget grants it.
   * Rejects with the signal's reason when it aborts first (nothing more is then held).
   */
  ensure(bytes: number, signal?: AbortSignal): Promise<void> {
    // A NaN would be granted at once and poison the count for every later request.
    if (!Number.isFinite(bytes)) return Promise.reject(new RangeError(`a reservation needs a finite number of bytes, got ${bytes}`));
    if (bytes <= this.held) return Promise.resolve();
    return this.budget.request(this, bytes, signal);
  }

  /** Give back everything held; a request still waiting is refused. Safe to call more than once. */
  release(): void {
    this.budget.giveBack(this, 0, new Error('the reservation was released while it waited'));
  }
}
