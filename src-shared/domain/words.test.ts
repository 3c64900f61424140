import { describe, expect, it } from 'vitest';
import { countOf } from './words';

describe('countOf', () => {
  it('says one noun for 1 and the plural for every other count, 0 included', () => {
    expect(countOf(1, 'file')).toBe('1 file');
    expect(countOf(0, 'file')).toBe('0 files');
    expect(countOf(2, 'file')).toBe('2 files');
    expect(countOf(1, 'entry', 'entries')).toBe('1 entry');
    expect(countOf(3, 'entry', 'entries')).toBe('3 entries');
  });
});
