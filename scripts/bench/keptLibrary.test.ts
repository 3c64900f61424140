import { describe, expect, it } from 'vitest';
import { benignEditFile, benignOriginals, keptSplitMismatch, parseBenignEditFile } from './keptLibrary';

describe('a kept leave-kind-out library belongs to one split', () => {
  const files = ['9000003-greyscale.jpg', '9000003-high_key.jpg', '9000017-mild_sharpen.jpg', 'notes.txt'];

  it('names an edit by its original and kind, and reads both back', () => {
    expect(benignEditFile('9000003', 'high_key')).toBe('9000003-high_key.jpg');
    expect(parseBenignEditFile(benignEditFile('9000003', 'high_key'))).toEqual({ original: '9000003', kind: 'high_key' });
    expect(parseBenignEditFile('notes.txt')).toBeNull();
  });

  it('reads the originals from the edits’ file names', () => {
    expect([...benignOriginals(files)].sort()).toEqual(['9000003', '9000017']);
  });

  it('accepts the folder of the same split', () => {
    expect(keptSplitMismatch(files, new Set(['9000003', '9000017']), '--seed 1')).toBeNull();
  });

  it('refuses a folder made for another split, naming what differs', () => {
    const why = keptSplitMismatch(files, new Set(['9000003', '9000120']), '--seed 3');
    expect(why).toMatch(/another split than --seed 3/);
    expect(why).toMatch(/1 of them not held out now \(9000017\)/);
    expect(why).toMatch(/1 held-out good images have none \(9000120\)/);
    expect(why).toMatch(/fresh --data folder/);
  });

  it('refuses an empty folder when this split holds out good images', () => {
    expect(keptSplitMismatch([], new Set(['9000003']), '--seed 2')).toMatch(/benign edits are of 0 good images/);
  });
});
