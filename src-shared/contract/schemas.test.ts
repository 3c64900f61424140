/** The API schemas: one per method, wrong arguments named, JSON Schema export. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QcError } from './errors';
import { API_SCHEMAS, MAX_PAGE, MAX_TAG_FILES, parseArgs } from './schemas';

function invalid(method: Parameters<typeof parseArgs>[0], args: unknown): string {
  try {
    parseArgs(method, args);
  } catch (e) {
    expect(e).toBeInstanceOf(QcError);
    expect((e as QcError).code).toBe('invalid_argument');
    return (e as QcError).message;
  }
  throw new Error(`expected ${method} ${JSON.stringify(args)} to be refused`);
}

describe('API argument schemas', () => {
  it('refuse the arguments of issue 9, naming the field', () => {
    expect(invalid('ml.setThreshold', { threshold: [0.5] })).toMatch(/^ml\.setThreshold: threshold: /);
    expect(invalid('ml.setThreshold', { threshold: 1.5 })).toMatch(/threshold: must be at most 1$/);
    expect(invalid('ml.setThreshold', {})).toMatch(/threshold: /);
    expect(invalid('labels.set', { imageIds: [1] })).toMatch(/^labels\.set: label: /);
    expect(invalid('library.import', { source: 'x.txt', concurrency: 'abc' })).toMatch(/concurrency: must be a number, not text$/);
    expect(invalid('library.import', { source: 'x.txt', retries: -1 })).toMatch(/retries: must be at least 0$/);
    expect(invalid('library.import', { source: '' })).toMatch(/source: must not be empty/);
    expect(invalid('library.import', { source: 'a\0b' })).toMatch(/NUL/);
    // A lone surrogate names a folder the disk would make under U+FFFD (hostile audit 2, L5); a pair (an emoji) is a character.
    expect(invalid('export.tags', { outDir: '/tmp/out-\uD800x' })).toMatch(/^export\.tags: outDir: must not contain an unpaired UTF-16 surrogate/);
    expect(invalid('export.tags', { outDir: '/tmp/out-\uDC00' })).toMatch(/unpaired UTF-16 surrogate/);
    expect(parseArgs('export.tags', { outDir: '/tmp/out-\uD83D\uDE00' })).toEqual({ outDir: '/tmp/out-\uD83D\uDE00' });
    expect(invalid('labels.setRule', { rule: { bad: [0], good: [4], exemplar: 'good' } })).toMatch(/rule\.bad\[0\]/);
    expect(invalid('review.page', { offset: -1, limit: 10 })).toMatch(/offset/);
    // The core serves at most MAX_PAGE a call: a bigger limit is refused, never cut short.
    expect(invalid('review.page', { offset: 0, limit: MAX_PAGE + 1 })).toMatch(/^review\.page: limit: at most 1000 items a page/);
    expect(parseArgs('review.page', { offset: 0, limit: MAX_PAGE })).toEqual({ offset: 0, limit: MAX_PAGE });
    // Only a bundle's tags are split into chunk files: asked of the whole library, chunkRows is refused, not ignored.
    expect(invalid('export.tags', { outDir: '/tmp/out', chunkRows: 10 })).toMatch(/^export\.tags: chunkRows: splits a bundle's tag files only \(give bundleId\)/);
    expect(parseArgs('export.tags', { outDir: '/tmp/out', bundleId: 2, chunkRows: 10 })).toEqual({ outDir: '/tmp/out', bundleId: 2, chunkRows: 10 });
    expect(invalid('images.get', { imageId: 1.5 })).toMatch(/imageId/);
  });

  it('take local paths only as absolute paths (a relative one would be read against the server\'s folder)', () => {
    expect(invalid('library.import', { source: 'ratings.txt' })).toMatch(/source: must be an http\(s\) URL or an absolute path/);
    expect(invalid('library.import', { source: '../../etc/passwd' })).toMatch(/source: must be an http\(s\) URL or an absolute path/);
    expect(invalid('library.import', { source: 'file:ratings.txt' })).toMatch(/source: /);
    expect(invalid('library.import', { source: '/r.txt', mirrors: [{ prefix: 'https://x/', dir: 'images' }] })).toMatch(/mirrors\[0\]\.dir: must be an absolute path/);
    expect(invalid('ml.classify', { source: 'https://x/b.tsv', outDir: 'out' })).toMatch(/outDir: must be an absolute path/);
    // A home-relative path, which a shell would have expanded: said so, with what to write instead.
    expect(invalid('export.tags', { outDir: '~/tags' })).toMatch(/outDir: must be an absolute path \(~ is not expanded here: write the whole path, such as \/home\/you\/x\)/);
    expect(invalid('library.import', { source: '~/ratings.txt' })).toMatch(/source: must be an http\(s\) URL or an absolute path \(~ is not expanded here/);
    expect(invalid('ml.importTags', { files: ['/a_a.tsv', 'b_a.tsv'] })).toMatch(/files\[1\]: must be an absolute path/);
    expect(invalid('ml.importTags', { files: Array.from({ length: MAX_TAG_FILES + 1 }, (_, i) => `/t/b${i}_a.tsv`) })).toMatch(/files: at most 10,000 tag files a call/);
    expect(parseArgs('ml.importTags', { files: Array.from({ length: MAX_TAG_FILES }, (_, i) => `/t/b${i}_a.tsv`) }).files).toHaveLength(MAX_TAG_FILES);
    expect(invalid('ml.train', { groups: { file: 'truth.tsv', groupColumn: 'g' } })).toMatch(/groups\.file: must be an absolute path/);
    for (const m of ['export.tags', 'export.training', 'export.model', 'export.graphs'] as const) {
      expect(invalid(m, { outDir: 'out' })).toMatch(/outDir: must be an absolute path/);
      expect(invalid(m, { outDir: './out' })).toMatch(/outDir: must be an absolute path/);
    }
    // Absolute paths of both kinds of system, and URLs where a list may be downloaded, pass.
    for (const outDir of ['/tmp/out', 'C:\\Users\\me\\out', 'D:/out', '\\\\server\\share\\out']) expect(parseArgs('export.tags', { outDir })).toEqual({ outDir });
    expect(parseArgs('library.import', { source: 'HTTPS://eol.org/r.txt' })).toEqual({ source: 'HTTPS://eol.org/r.txt' });
    expect(parseArgs('library.import', { source: '/r.txt', mirrors: [{ prefix: 'https://x/', dir: ' /m ' }] }).mirrors?.[0]?.dir).toBe(' /m ');
  });

  it('refuse unknown fields, non-objects and unknown methods', () => {
    expect(invalid('ml.run', { runID: 3 })).toMatch(/^ml\.run: args: unknown field "runID"$/);
    expect(invalid('library.status', { x: 1 })).toMatch(/x/);
    // As JSON.parse makes it off the wire: an own "__proto__" key, which a record schema skips.
    for (const method of ['library.status', 'labels.getRule', 'library.sources', 'labels.undo'] as const) {
      expect(invalid(method, JSON.parse('{"__proto__":{"polluted":1}}'))).toMatch(/__proto__/);
    }
    expect(invalid('ml.run', JSON.parse('{"runId":1,"__proto__":{"polluted":1}}'))).toMatch(/__proto__/);
    expect(invalid('labels.set', [1, 2])).toMatch(/args: /);
    expect(invalid('labels.set', 'bad')).toMatch(/args: /);
    expect(() => parseArgs('no.such' as never, {})).toThrow(expect.objectContaining({ code: 'unknown_method' }));
  });

  it('accept good arguments unchanged (nothing coerced)', () => {
    const args = { source: '/tmp/r.txt', kind: 'ratings', mirrors: [{ prefix: 'https://x/', dir: '/m' }], concurrency: 8, retries: 0, timeoutMs: 500, allowLocal: true } as const;
    expect(parseArgs('library.import', args)).toEqual(args);
    expect(parseArgs('ml.setThreshold', { threshold: null })).toEqual({ threshold: null });
    expect(parseArgs('labels.set', { imageIds: [1, 2], label: null })).toEqual({ imageIds: [1, 2], label: null });
    expect(parseArgs('library.status', {})).toEqual({});
    expect(parseArgs('library.status', undefined)).toEqual({});
    expect(invalid('ml.setThreshold', { threshold: '0.5' })).toMatch(/threshold: must be a number, not text$/);
  });

  it('export as JSON Schema, one per method', () => {
    for (const [method, schema] of Object.entries(API_SCHEMAS)) {
      const json = z.toJSONSchema(schema as z.ZodType, { unrepresentable: 'any' }) as { type?: string };
      expect(json.type, method).toBe('object');
    }
  });
});
