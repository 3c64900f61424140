import { describe, expect, it } from 'vitest';
import { SessionCache } from './sessionCache';

describe('SessionCache', () => {
  it('opens a key once, shares a pending open and keeps keys apart', async () => {
    const cache = new SessionCache<{ key: string; n: number }>();
    let opened = 0;
    const create = (key: string) => () => new Promise<{ key: string; n: number }>((resolve) => setTimeout(() => resolve({ key, n: ++opened }), 5));
    const [a, b] = [cache.get('a', create('a')), cache.get('a', create('a'))];
    expect(a).toBe(b);
    expect(await a).toEqual({ key: 'a', n: 1 });
    expect(await cache.get('a', create('a'))).toEqual({ key: 'a', n: 1 });
    expect(await cache.get('b', create('b'))).toEqual({ key: 'b', n: 2 });
    expect(opened).toBe(2);
  });

  it('forgets a failed open, so the next call tries again', async () => {
    const cache = new SessionCache<string>();
    let calls = 0;
    const flaky = () => (++calls === 1 ? Promise.reject(new Error('models folder missing')) : Promise.resolve('session'));
    await expect(cache.get('m', flaky)).rejects.toThrow('models folder missing');
    await expect(cache.get('m', flaky)).resolves.toBe('session');
    await expect(cache.get('m', flaky)).resolves.toBe('session');
    expect(calls).toBe(2);
  });

  it('a late failure does not evict a newer open of the same key', async () => {
    const cache = new SessionCache<string>();
    let fail!: (e: Error) => void;
    const first = cache.get('k', () => new Promise<string>((_, reject) => (fail = reject)));
    cache.drain();
    const second = cache.get('k', () => Promise.resolve('second'));
    fail(new Error('late'));
    await expect(first).rejects.toThrow('late');
    expect(cache.get('k', () => Promise.resolve('third'))).toBe(second);
  });

  it('drain hands over every open value and empties the cache', async () => {
    const cache = new SessionCache<string>();
    void cache.get('a', () => Promise.resolve('A'));
    void cache.get('b', () => Promise.resolve('B'));
    expect(await Promise.all(cache.drain())).toEqual(['A', 'B']);
    expect(cache.drain()).toEqual([]);
    expect(await cache.get('a', () => Promise.resolve('A2'))).toBe('A2');
  });
});
