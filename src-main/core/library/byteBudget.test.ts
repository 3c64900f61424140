/**
 * The download byte budget: order of grants, giving back on abort and on release, oversized and
 * deadlocked requests; and fetchBytes under it against a real server on 127.0.0.1 (the wait is not
 * counted in the time limit, a cancel while waiting is prompt, a body of unknown length grows).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteBudget, GROWTH_STEP } from './byteBudget';
import { fetchBytes } from './fetch';

/** Settle pending promise callbacks. */
const tick = () => sleep(0);

/** Names the requests of `tracked` in the order they were granted. */
function recorder() {
  const order: string[] = [];
  const track = (name: string, p: Promise<void>) =>
    p.then(
      () => void order.push(name),
      () => void order.push(`${name}:refused`),
    );
  return { order, track };
}

describe('ByteBudget', () => {
  it('grants in the order asked: a small request waits behind a large one that does not fit', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const a = budget.reservation();
    const big = budget.reservation();
    const small = budget.reservation();
    await a.ensure(60);
    const pBig = track('big', big.ensure(80));
    await tick();
    const pSmall = track('small', small.ensure(10)); // 60 + 10 fits, but big asked first
    await tick();
    expect(order).toEqual([]);
    expect(budget.inUse).toBe(60);
    expect(budget.waiting).toBe(2);
    a.release();
    await pBig;
    await tick();
    // big (80) holds; small (10) fits beside it and goes on at once.
    expect(order).toEqual(['big', 'small']);
    await pSmall;
    expect(budget.inUse).toBe(90);
    big.release();
    small.release();
    expect(budget.inUse).toBe(0);
  });

  it('lets a reservation that already holds bytes grow before new ones start', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const a = budget.reservation();
    const grower = budget.reservation();
    const fresh = budget.reservation();
    await a.ensure(50);
    await grower.ensure(40);
    void track('fresh', fresh.ensure(30));
    await tick();
    void track('grower', grower.ensure(55));
    await tick();
    expect(order).toEqual([]);
    a.release(); // 40 held: the grower's +15 and the fresh 30 both fit, the grower first
    await tick();
    await tick();
    expect(order).toEqual(['grower', 'fresh']);
    expect(budget.inUse).toBe(85);
    grower.release();
    fresh.release();
    expect(budget.inUse).toBe(0);
  });

  it('gives a waiting request up when its signal aborts, and the next goes on', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const a = budget.reservation();
    const b = budget.reservation();
    const c = budget.reservation();
    await a.ensure(70);
    const cancel = new AbortController();
    const pB = b.ensure(50, cancel.signal);
    const pC = track('c', c.ensure(20));
    await tick();
    expect(order).toEqual([]); // c fits but waits behind b
    cancel.abort(new DOMException('cancelled', 'AbortError'));
    await expect(pB).rejects.toThrow('cancelled');
    await pC;
    expect(order).toEqual(['c']);
    expect(b.held).toBe(0);
    expect(budget.inUse).toBe(90);
    expect(budget.waiting).toBe(0);
    // An aborted signal refuses at once and holds nothing.
    await expect(b.ensure(1, cancel.signal)).rejects.toThrow('cancelled');
    expect(budget.waiting).toBe(0);
    a.release();
    c.release();
    b.release();
    expect(budget.inUse).toBe(0);
  });

  it('refuses a waiting request when its reservation is released (a download that failed), and frees its bytes', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const a = budget.reservation();
    const b = budget.reservation();
    const c = budget.reservation();
    await a.ensure(60);
    await b.ensure(30);
    void track('b', b.ensure(60)); // grows, waits
    void track('c', c.ensure(40));
    await tick();
    expect(order).toEqual([]);
    b.release(); // its 30 come back: c's 40 fits beside a's 60
    await tick();
    await tick();
    expect(order).toEqual(['b:refused', 'c']);
    expect(budget.inUse).toBe(100);
    a.release();
    a.release(); // twice is harmless
    c.release();
    expect(budget.inUse).toBe(0);
  });

  it('refuses a request of no finite size, and the count stays whole', async () => {
    const budget = new ByteBudget(100);
    const r = budget.reservation();
    await expect(r.ensure(Number.NaN)).rejects.toThrow(RangeError);
    await expect(r.ensure(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(budget.inUse).toBe(0);
    await r.ensure(100);
    expect(budget.inUse).toBe(100);
    r.release();
  });

  it('runs a request larger than the whole budget alone, once nothing else is held', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const a = budget.reservation();
    const huge = budget.reservation();
    const after = budget.reservation();
    await a.ensure(10);
    void track('huge', huge.ensure(250));
    void track('after', after.ensure(5));
    await tick();
    expect(order).toEqual([]);
    a.release();
    await tick();
    await tick();
    expect(order).toEqual(['huge']); // alone: `after` waits although 5 bytes are little
    expect(budget.inUse).toBe(250);
    huge.release();
    await tick();
    expect(order).toEqual(['huge', 'after']);
    after.release();
  });

  it('does not deadlock when every holder waits to grow: the first goes on over the budget', async () => {
    const budget = new ByteBudget(100);
    const { order, track } = recorder();
    const x = budget.reservation();
    const y = budget.reservation();
    await x.ensure(50);
    await y.ensure(50);
    void track('x', x.ensure(60));
    await tick();
    expect(order).toEqual([]); // y is still active: x waits for it
    void track('y', y.ensure(70));
    await tick();
    await tick();
    expect(order).toEqual(['x']);
    expect(budget.inUse).toBe(110);
    x.release();
    await tick();
    expect(order).toEqual(['x', 'y']);
    y.release();
    expect(budget.inUse).toBe(0);
  });
});

describe('fetchBytes under a byte budget (127.0.0.1)', () => {
  let server: http.Server;
  let base = '';
  let hits = 0;
  const BODY = Buffer.alloc(200_000, 7);
  const CHUNKED = 3 * GROWTH_STEP + 12_345;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/chunked') {
        // No Content-Length: the reservation grows as the bytes arrive.
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        const piece = Buffer.alloc(64 * 1024, 1);
        let left = CHUNKED;
        const more = () => {
          while (left > 0) {
            const n = Math.min(left, piece.length);
            left -= n;
            if (!res.write(piece.subarray(0, n))) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': BODY.length });
      res.end(BODY);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await fetchBytes(`${base}/warm.jpg`, { retries: 0 }); // the first request loads undici
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits for the budget without counting the wait in the time limit', async () => {
    const budget = new ByteBudget(BODY.length + 100);
    const other = budget.reservation();
    await other.ensure(budget.limit); // spent
    const mine = budget.reservation();
    const before = hits;
    const got = fetchBytes(`${base}/x.jpg`, { timeoutMs: 1000, retries: 0, budget: mine });
    let done = false;
    let failure: unknown;
    void got.then(
      () => (done = true),
      (e: unknown) => ((done = true), (failure = e)),
    );
    await sleep(3000); // three time limits
    expect(failure).toBeUndefined();
    expect(done).toBe(false);
    expect(budget.waiting).toBe(1);
    other.release();
    const bytes = await got;
    expect(bytes.equals(BODY)).toBe(true);
    expect(mine.held).toBe(BODY.length);
    expect(hits - before).toBe(1); // no retry
    mine.release();
    expect(budget.inUse).toBe(0);
  });

  it('stops at once when cancelled while it waits, holding nothing', async () => {
    const budget = new ByteBudget(1000);
    const other = budget.reservation();
    await other.ensure(1000);
    const mine = budget.reservation();
    const cancel = new AbortController();
    const got = fetchBytes(`${base}/y.jpg`, { timeoutMs: 5000, retries: 2, budget: mine, signal: cancel.signal });
    // Until it waits on the budget (its request answered first): polled, not a fixed time, which a loaded machine can outlast.
    for (let i = 0; i < 500 && budget.waiting === 0; i++) await sleep(20);
    expect(budget.waiting).toBe(1);
    const t0 = performance.now();
    cancel.abort(new DOMException('cancelled', 'AbortError'));
    await expect(got).rejects.toThrow('cancelled');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(mine.held).toBe(0);
    expect(budget.waiting).toBe(0);
    other.release();
    expect(budget.inUse).toBe(0);
  });

  it('grows the reservation of a body of unknown length as it arrives, waiting when the budget is spent', async () => {
    const budget = new ByteBudget(2 * GROWTH_STEP);
    const other = budget.reservation();
    await other.ensure(GROWTH_STEP);
    const mine = budget.reservation();
    const got = fetchBytes(`${base}/chunked`, { timeoutMs: 5000, retries: 0, budget: mine });
    // It reads until its reservation reaches what is left of the budget, then waits.
    for (let i = 0; i < 500 && budget.waiting === 0; i++) await sleep(20);
    expect(budget.waiting).toBe(1);
    expect(mine.held).toBeLessThanOrEqual(GROWTH_STEP);
    expect(budget.inUse).toBeLessThanOrEqual(budget.limit);
    other.release();
    const bytes = await got;
    expect(bytes.length).toBe(CHUNKED);
    expect(mine.held).toBeGreaterThanOrEqual(CHUNKED);
    expect(mine.held).toBeLessThanOrEqual(CHUNKED + GROWTH_STEP);
    mine.release();
    expect(budget.inUse).toBe(0);
  });
});
