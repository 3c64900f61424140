import { describe, expect, it } from 'vitest';
import { deferredValue, sharp } from './deferred';

describe('deferred stand-ins', () => {
  it('make nothing until first used, then once, and forward reads, writes and calls to the real object', () => {
    let made = 0;
    class Counter {
      count = 0;
      bump(): number {
        // `this` is the stand-in when called through it: the write must reach the real object.
        this.count++;
        return this.count;
      }
    }
    const real = new Counter();
    const standIn = deferredValue(() => (made++, real));
    expect(made).toBe(0);
    expect(standIn.bump()).toBe(1);
    expect(standIn.bump()).toBe(2);
    expect(real.count).toBe(2);
    expect('bump' in standIn).toBe(true);
    standIn.count = 10;
    expect(real.count).toBe(10);
    expect(made).toBe(1);
    const fn = deferredValue(() => (a: number, b: number) => a * b, true);
    expect(fn(6, 7)).toBe(42);
  });

  it('sharp through its stand-in is the package: a call and its static members', async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
    expect((await sharp(png).metadata()).width).toBe(3);
    expect(typeof sharp.versions.vips).toBe('string');
  });
});
