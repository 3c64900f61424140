/**
 * review.page serves at most MAX_PAGE items and refuses a bigger limit (it once accepted 100,000 and
 * served 1,000: a client paging by its own limit skipped the rows between).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_PAGE } from '../../../src-shared/contract/schemas';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe('review.page limit', () => {
  let lib: SeededLibrary;
  const images = MAX_PAGE + 250;
  beforeAll(() => {
    lib = seedLibrary({ images, runs: 1, features: false });
  }, 120_000);
  afterAll(async () => {
    await lib.core.close();
  });

  test(`a limit over MAX_PAGE is refused, naming the field; MAX_PAGE itself is served whole`, async () => {
    await expect(lib.core.call('review.page', { predicted: 'all', offset: 0, limit: MAX_PAGE + 1 })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(new RegExp(`limit: at most ${MAX_PAGE} items a page`)),
    });
    const page = await lib.core.call('review.page', { predicted: 'all', offset: 0, limit: MAX_PAGE });
    expect(page.total).toBe(images);
    expect(page.items).toHaveLength(MAX_PAGE);
  });

  test('paging by the largest limit allowed reaches every image once', async () => {
    const seen: number[] = [];
    for (let offset = 0; ; offset += MAX_PAGE) {
      const { items, total } = await lib.core.call('review.page', { predicted: 'all', sort: 'id', offset, limit: MAX_PAGE });
      seen.push(...items.map((it) => it.image_id));
      if (offset + MAX_PAGE >= total) break;
    }
    expect(seen).toHaveLength(images);
    expect(new Set(seen).size).toBe(images);
  });
});
