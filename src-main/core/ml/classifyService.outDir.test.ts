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

describe("a curator's file at the bundle's tag file names", () => {
  it('is refused by ml.classify before the bundle is imported; a bundle whose tag files get another name is not refused', async () => {
    const rows = (from: number) => devRatings().slice(from, from + 3);
    const fresh = path.join(dir, 'fresh', 'notes-bundle.txt');
    fs.mkdirSync(path.dirname(fresh));
    fs.writeFileSync(fresh, ['eolMediaURL\tidentifier', ...rows(300).map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
    for (const name of ['notes-bundle_finaltags.tsv', 'notes-bundle_a.tsv']) {
      const out = path.join(dir, `curator-${name}`);
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, name), 'my notes\n');
      const before = { images: count('images'), imports: count('imports'), bundles: count('bundles') };
      const jobs: JobProgress[] = [];
      await expect(core.call('ml.classify', { source: fresh, mirrors, outDir: out }, { onProgress: (p) => jobs.push(p) })).rejects.toMatchObject({
        code: 'bad_input',
        message: expect.stringContaining(`${path.join(out, name)}: already there and not a tag file`),
      });
      expect(jobs).toEqual([]);
      expect({ images: count('images'), imports: count('imports'), bundles: count('bundles') }).toEqual(before);
      expect(fs.readdirSync(out)).toEqual([name]);
      expect(fs.readFileSync(path.join(out, name), 'utf8')).toBe('my notes\n');
    }
    // bundle.txt was classified above, so another folder's bundle.txt writes bundle-<hash>_… files:
    // a curator's bundle_finaltags.tsv beside them is not in their way.
    const other = path.join(dir, 'elsewhere', 'bundle.txt');
    fs.mkdirSync(path.dirname(other));
    fs.writeFileSync(other, ['eolMediaURL\tidentifier', ...rows(310).map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
    const out = path.join(dir, 'curator-plain-name');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'bundle_finaltags.tsv'), 'my notes\n');
    await expect(core.call('ml.classify', { source: other, mirrors, outDir: out })).resolves.toMatchObject({ rows: 3 });
    const written = fs.readdirSync(out).sort();
    expect(written).toHaveLength(3);
    expect(written).toContain('bundle_finaltags.tsv');
    expect(written.filter((f) => /^bundle-[0-9a-f]{8}_(a|finaltags)\.tsv$/.test(f))).toHaveLength(2);
    expect(fs.readFileSync(path.join(out, 'bundle_finaltags.tsv'), 'utf8')).toBe('my notes\n');
  }, 300_000);
});
