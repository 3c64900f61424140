/**
 * Gallery filters on a real library: the taxon filter matches taxon names in the ancestry, never
 * its JSON keys; tiles carry EOL's id; the import filter keeps one import's images; a run id that
 * does not exist is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';

const ROWS = devRatings().slice(0, 12);

describe('review.page filters', () => {
  let dir: string;
  let core: Core;
  let firstImport: number;
  let secondImport: number;

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const write = (name: string, rows: typeof ROWS) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
      return file;
    };
    const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
    firstImport = (await core.call('library.import', { source: write('a.txt', ROWS.slice(0, 8)), mirrors })).import_id;
    secondImport = (await core.call('library.import', { source: write('b.txt', ROWS.slice(8)), mirrors })).import_id;
  }, 60_000);
  afterAll(() => {
    core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const page = (q: Record<string, unknown>) => core.call('review.page', { offset: 0, limit: 100, sort: 'id', order: 'asc', ...q });

  it('matches taxon names, not the JSON keys every row has', async () => {
    const withAncestry = ROWS.filter((r) => r[3].includes('"name"'));
    expect(withAncestry.length).toBeGreaterThan(0);
    expect((await page({ taxon: 'kingdom' })).total).toBe(0);
    expect((await page({ taxon: 'name' })).total).toBe(0);
    const animalia = ROWS.filter((r) => r[3].includes('Animalia')).length;
    expect(animalia).toBeGreaterThan(0);
    expect((await page({ taxon: 'animal' })).total).toBe(animalia);
    expect((await page({ taxon: 'Plantae' })).total).toBe(ROWS.filter((r) => r[3].includes('Plantae')).length);
  });

  it("gives each tile EOL's id", async () => {
    const { items } = await page({});
    expect(items).toHaveLength(ROWS.length);
    const ids = new Set(ROWS.map((r) => r[0]));
    for (const it of items) expect(ids.has(String(it.eol_id))).toBe(true);
    expect(items.some((it) => String(it.eol_id) !== String(it.image_id))).toBe(true);
  });

  it('lists the imports with their images (library.sources)', async () => {
    const { imports, bundles } = await core.call('library.sources', {});
    expect(imports.map((i) => i.id)).toEqual([secondImport, firstImport]);
    expect(imports.map((i) => i.images)).toEqual([ROWS.length - 8, 8]);
    expect(bundles).toEqual([]);
  });

  it('filters by import', async () => {
    expect((await page({ importId: firstImport })).total).toBe(8);
    expect((await page({ importId: secondImport })).total).toBe(ROWS.length - 8);
  });
});

describe('review.page with a run id', () => {
  it('answers not_found for a run that does not exist, as review.scores does', async () => {
    const lib = seedLibrary({ images: 40 });
    try {
      const q = { offset: 0, limit: 10, sort: 'id', order: 'asc', predicted: 'bad' } as const;
      await expect(lib.core.call('review.scores', { runId: 999 })).rejects.toMatchObject({ code: 'not_found', message: 'no run with id 999' });
      await expect(lib.core.call('review.page', { ...q, runId: 999 })).rejects.toMatchObject({ code: 'not_found', message: 'no run with id 999' });
      expect((await lib.core.call('review.page', { ...q, runId: lib.runId! })).run_id).toBe(lib.runId);
      expect((await lib.core.call('review.page', q)).run_id).toBe(lib.runId);
    } finally {
      await lib.core.close();
    }
  });
});
