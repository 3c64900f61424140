/**
 * `ml.classify` and `export.tags` refuse an output folder they cannot write before any work: a
 * classify whose folder is under a file imports, embeds and scores nothing (on a 20,000-row bundle
 * that is hours of downloads before the refusal). Real parts: a trained library, the importer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/contract/events';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, type Core } from '../app';

let dir: string;
let core: Core;
let bundle: string;
const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

beforeAll(async () => {
  dir = tempDir('qc-classify-outdir-');
  const lib = path.join(dir, 'lib');
  const { ids } = await trainedDevLibrary(lib, 20);
  const rows = devRatings()
    .filter(([id]) => !ids.has(id))
    .slice(0, 4);
  bundle = path.join(dir, 'bundle.txt');
  fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', ...rows.map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
  core = createCore({ dataDir: lib, ml: 'in-process' });
}, 300_000);

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = (table: string) => core.context.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('an output folder that cannot be written', () => {
  it('is refused by ml.classify before the bundle is imported, embedded or scored, and by export.tags before scoring', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a folder\n');
    const before = { images: count('images'), imports: count('imports'), bundles: count('bundles'), predictions: count('predictions') };
    const jobs: JobProgress[] = [];
    for (const outDir of [path.join(file, 'tags'), file]) {
      await expect(core.call('ml.classify', { source: bundle, mirrors, outDir }, { onProgress: (p) => jobs.push(p) })).rejects.toMatchObject({
        code: 'bad_input',
        message: expect.stringContaining(file),
      });
      await expect(core.call('ml.classify', { source: bundle, mirrors, outDir, shard: { k: 1, n: 2 } })).rejects.toMatchObject({ code: 'bad_input' });
    }
    expect({ images: count('images'), imports: count('imports'), bundles: count('bundles'), predictions: count('predictions') }).toEqual(before);
    expect(jobs).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a folder\n');

    // The same bundle into a folder that can be written: imported, scored and written.
    const out = path.join(dir, 'out');
    const done = await core.call('ml.classify', { source: bundle, mirrors, outDir: out });
    expect(done).toMatchObject({ rows: 4, images: 4, predicted: 4 });
    expect(fs.readdirSync(out).sort()).toEqual(['bundle_a.tsv', 'bundle_finaltags.tsv']);
    // export.tags of the whole library, which holds pictures no run has scored: refused before they are.
    const others = path.join(dir, 'others.txt');
    fs.writeFileSync(others, ['eolMediaURL', ...devRatings().slice(200, 203).map(([, url]) => url)].join('\n') + '\n');
    await core.call('library.import', { source: others, mirrors });
    const predictions = count('predictions');
    expect(count('images')).toBeGreaterThan(predictions);
    await expect(core.call('export.tags', { outDir: path.join(file, 'library') }, { onProgress: (p) => jobs.push(p) })).rejects.toMatchObject({ code: 'bad_input' });
    expect(jobs).toEqual([]);
    expect(count('predictions')).toBe(predictions);
  }, 300_000);
});
