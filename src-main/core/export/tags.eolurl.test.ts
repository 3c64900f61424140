/**
 * library_finaltags.tsv names an image's EOL media by the URL of the source row that gives its EOL
 * id, never a local file: URL the image also has (a colleague's picture folder imported before
 * the ratings that name the same pictures); an image with no EOL id takes an http(s) URL before a
 * file: one. Real library, real imports (a folder, ratings and a URL list through the dev mirror).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';
import { readTsv } from '../../../test-support/scoredBundle';
import { exportLibrary } from './tags';

describe("library_finaltags.tsv names an image's EOL URL, not a local path", () => {
  let dir: string;
  let core: Core;
  beforeAll(() => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the URL of the source row that gives the EOL id, and else an http(s) URL before a file: one', async () => {
    // A colleague's picture folder first: each picture's first URL is a file: URL.
    const pics = path.join(dir, 'pics');
    fs.mkdirSync(pics);
    const names = ['9000001.jpg', '9000002.jpg'];
    for (const n of names) fs.copyFileSync(path.join(DEV_IMAGES, n), path.join(pics, `p-${n}`));
    await core.call('library.import', { source: pics });
    const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
    // Then ratings naming the first picture by its EOL URL with its EOL id, and a bare URL list naming the second.
    const ratings = path.join(dir, 'r.tsv');
    fs.writeFileSync(ratings, `obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n777001\t${DEV_URL_PREFIX}${names[0]}\t1.2\t{"kingdom":{"name":"Animalia"}}\n`);
    await core.call('library.import', { source: ratings, mirrors });
    const list = path.join(dir, 'list.txt');
    fs.writeFileSync(list, `${DEV_URL_PREFIX}${names[1]}\n`);
    await core.call('library.import', { source: list, kind: 'bundle', mirrors });
    const { db } = core.context;
    expect((db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(2);
    // The library holds a file: URL for each image.
    expect((db.prepare("SELECT COUNT(DISTINCT image_id) AS n FROM image_urls WHERE url LIKE 'file:%'").get() as { n: number }).n).toBe(2);
    const out = path.join(dir, 'out');
    await exportLibrary(db, { runId: null, threshold: 0.7, outDir: out });
    const rows = readTsv(path.join(out, 'library_finaltags.tsv')).rows;
    expect(rows).toHaveLength(2);
    const byUrl = new Map(rows.map((r) => [r.eolMediaURL, r]));
    expect(byUrl.get(`${DEV_URL_PREFIX}${names[0]}`)?.identifier).toBe('777001');
    expect(byUrl.get(`${DEV_URL_PREFIX}${names[0]}`)?.ancestry).toContain('Animalia');
    expect(byUrl.get(`${DEV_URL_PREFIX}${names[1]}`)?.identifier).toBe('');
    for (const r of rows) expect(r.eolMediaURL).toMatch(/^https:/);
  });
});
