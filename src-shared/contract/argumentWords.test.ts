/** Refused arguments in words: every kind of issue the API's schemas raise, through the real schemas. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QcError, type ArgumentDetail } from './errors';
import { parseArgs, parseOption } from './schemas';

function refusal(method: Parameters<typeof parseArgs>[0], args: unknown): { message: string; detail: ArgumentDetail } {
  try {
    parseArgs(method, args);
  } catch (e) {
    expect(e).toBeInstanceOf(QcError);
    return { message: (e as QcError).message, detail: (e as QcError).detail as ArgumentDetail };
  }
  throw new Error(`expected ${method} ${JSON.stringify(args)} to be refused`);
}

describe('why an argument was refused, in words', () => {
  it('says which type a field takes and what it was given', () => {
    expect(refusal('ml.setThreshold', { threshold: [0.5] }).message).toBe('ml.setThreshold: threshold: must be a number, not a list');
    expect(refusal('ml.setThreshold', { threshold: '0.5' }).message).toBe('ml.setThreshold: threshold: must be a number, not text');
    expect(refusal('images.get', { imageId: 1.5 }).message).toBe('images.get: imageId: must be a whole number, not 1.5');
    expect(refusal('labels.set', [1, 2]).message).toBe('labels.set: args: must be an object with named fields, not a list');
  });

  it('says a missing field is required', () => {
    expect(refusal('ml.setThreshold', {}).message).toBe('ml.setThreshold: threshold: is required');
    expect(refusal('labels.set', { imageIds: [1] }).message).toBe('labels.set: label: is required');
  });

  it('gives a number its bound, inclusive or not, and keeps the range in the detail', () => {
    const big = refusal('ml.setThreshold', { threshold: 1.5 });
    expect(big.message).toBe('ml.setThreshold: threshold: must be at most 1');
    expect(big.detail).toMatchObject({ path: ['threshold'], reason: 'must be at most 1', range: { min: { value: 0, inclusive: true }, max: { value: 1, inclusive: true } } });
    expect(refusal('library.import', { source: '/r.txt', retries: -1 }).message).toBe('library.import: retries: must be at least 0');
    expect(refusal('ml.train', { learningRate: 0 }).message).toBe('ml.train: learningRate: must be more than 0');
  });

  it('lists the values an enum takes, and names unknown fields', () => {
    expect(refusal('labels.set', { imageIds: [1], label: 'meh' }).message).toBe('labels.set: label: must be one of "good", "bad"');
    expect(refusal('labels.setRule', { rule: { bad: [0], good: [4], exemplar: 'good' } }).message).toBe('labels.setRule: rule.bad[0]: must be one of 1, 2, 3, 4, 5');
    expect(refusal('ml.run', { runID: 3 }).message).toBe('ml.run: args: unknown field "runID"');
    expect(refusal('ml.run', { runID: 3, x: 1 }).message).toBe('ml.run: args: unknown fields "runID", "x"');
  });

  it('repeats only a few unknown field names, each cut short and with its control characters escaped', () => {
    const long = 'k'.repeat(900_000);
    const huge = refusal('ml.run', { [long]: 1 });
    expect(huge.message).toBe(`ml.run: args: unknown field "${'k'.repeat(40)}…"`);
    expect(JSON.stringify(huge.detail).length).toBeLessThan(500);
    const many = refusal('ml.run', Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`f${i}`, 1])));
    expect(many.message).toBe('ml.run: args: unknown fields "f0", "f1", "f2" and 39,997 more');
    expect(refusal('ml.run', { 'a\nb\u001b[31mRED': 1 }).message).toBe('ml.run: args: unknown field "a\\nb\\u001b[31mRED"');
  });

  it("keeps a schema's own message over the words", () => {
    expect(refusal('library.import', { source: '' }).message).toMatch(/^library\.import: source: must not be empty;/);
    expect(refusal('review.page', { offset: 0, limit: 100_000 }).message).toBe('review.page: limit: at most 1000 items a page');
  });

  it("words qc's options the same way, with what was typed", () => {
    expect(() => parseOption('threshold', z.number().min(0).max(1), 1.5, '1.5')).toThrow('threshold: must be at most 1, got "1.5"');
    expect(() => parseOption('--retries', z.int().min(0), Number('abc'), 'abc')).toThrow('--retries: must be a number, got "abc"');
    expect(() => parseOption('--timeout', z.int(), 1.5, '1.5')).toThrow(/^--timeout: must be a whole number, got "1\.5"$/);
    expect(() => parseOption('--port', z.int().min(1).max(65535), 70000, '70000')).toThrow('--port: must be at most 65535, got "70000"');
    expect(() => parseOption('--names', z.array(z.string()).min(2).max(3), ['a'], 'a')).toThrow('--names: must have at least 2 items, got "a"');
    expect(() => parseOption('--names', z.array(z.string()).max(1), ['a', 'b'], 'a,b')).toThrow('--names: must have at most 1 item, got "a,b"');
    expect(() => parseOption('--tag', z.string().max(3), 'abcd', 'abcd')).toThrow('--tag: must have at most 3 characters, got "abcd"');
  });
});
