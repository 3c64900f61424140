import { describe, expect, it } from 'vitest';
import { serialQueue } from './serialQueue';

describe('serialQueue', () => {
  it('starts each step once the one before is answered, after a failure too, and passes each its own outcome', async () => {
    const queued = serialQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = queued(async () => {
      log.push('a start');
      await new Promise<void>((r) => (release = r));
      log.push('a end');
      throw new Error('a failed');
    });
    const second = queued(async () => {
      log.push('b');
    });
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    release();
    await expect(first).rejects.toThrow('a failed');
    await second;
    expect(log).toEqual(['a start', 'a end', 'b']);
  });
});
