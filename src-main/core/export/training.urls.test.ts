/**
 * export-training's download lists hold every http(s) URL of each class: those of images whose
 * original file is missing, and those of rated input rows that have no image (a download that
 * failed), by the class the library's rule gives them. And a folder holding only the OS's own
 * metadata files counts as empty (those files are left where they are).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveLabel, DEFAULT_LABEL_RULE, type RatingClass } from '../../../src-shared/domain/label';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { devRatings } from '../../../test-support/fixtures';
import { writeRatingsFile } from '../../../test-support/image-server';
import { CLASS_WORDS, exportTraining } from './training';

const GOOD = devRatings().slice(0, 8);

function listed(out: string): Map<string, number> {
  const at = new Map<string, number>();
  CLASS_WORDS.forEach((w, i) => {
    for (const url of fs.readFileSync(path.join(out, `${w}_download.txt`), 'utf8').split('\n').filter(Boolean)) {
      expect(at.has(url), `${url} listed twice`).toBe(false);
      at.set(url, i + 1);
    }
  });
  return at;
}

describe('export-training download lists', () => {
  const lib = useTempLibrary({ serve: {}, ml: 'in-process' });
  /** Each URL of the inputs that failed to download, with the class its ratings (or exemplar) give it. */
  const failed = new Map<string, RatingClass>();

  beforeAll(async () => {
    const b = lib.server.base;
    // Failed downloads (404 on the server): one rating, two ratings of one URL (mean 2.5, half to even: class 2, not 3), 3.5 (class 4).
    const gone: [string, string, number][] = [
      ['800', `${b}/404/gone.jpg`, 1.0],
      ['801', `${b}/404/half.jpg`, 1.0],
      ['802', `${b}/404/half.jpg`, 4.0],
      ['803', `${b}/404/four.jpg`, 3.5],
    ];
    const ratings = path.join(lib.dir, 'ratings.txt');
    writeRatingsFile(ratings, [...GOOD.map(([id, url, r]) => [id, `${b}/img/${path.basename(url)}`, r] as [string, string, number]), ...gone]);
    const s = await lib.core.call('library.import', { source: ratings, concurrency: 4, retries: 0 });
    expect(s.images_new).toBe(GOOD.length);
    // An exemplar whose download failed: class 5, as an exemplar image is.
    const exemplars = path.join(lib.dir, 'exemplars.txt');
    fs.writeFileSync(exemplars, `target_id\tobject_url\n900\t${b}/404/exemplar.jpg\n`);
    await lib.core.call('library.import', { source: exemplars, retries: 0 });
    // An unrated bundle row whose download failed: it has no class, so no list.
    const bundle = path.join(lib.dir, 'bundle.tsv');
    fs.writeFileSync(bundle, `eolMediaURL\tidentifier\n${b}/404/unrated.jpg\t901\n`);
    await lib.core.call('library.import', { source: bundle, retries: 0 });

    const db = lib.core.context.db;
    const failures = new Set((db.prepare("SELECT url FROM failures WHERE stage = 'fetch'").all() as { url: string }[]).map((r) => r.url));
    const rows = db.prepare('SELECT url, rating, exemplar FROM source_rows WHERE url LIKE ? ORDER BY id').all(`${b}/404/%`) as { url: string; rating: number | null; exemplar: number }[];
    for (const url of new Set(rows.map((r) => r.url))) {
      expect(failures.has(url), url).toBe(true);
      const of = rows.filter((r) => r.url === url);
      const cls = deriveLabel({ ratings: of.flatMap((r) => (r.rating === null ? [] : [r.rating])), exemplar: of.some((r) => r.exemplar === 1), folderLabels: [] }, DEFAULT_LABEL_RULE).ratingClass;
      if (cls !== null) failed.set(url, cls);
    }
    expect(failed.size).toBe(4); // gone, half, four, exemplar; not the unrated one
  }, 60_000);

  it('lists the URLs of rated rows whose download failed, in the class the rule gives them, and of no unrated row', async () => {
    const { db, paths } = lib.core.context;
    const b = lib.server.base;
    const out = path.join(lib.dir, 'failed');
    const result = await exportTraining(db, paths, { outDir: out, sample: 3 });
    const at = listed(out);
    for (const [url, cls] of failed) expect(at.get(url), url).toBe(cls);
    expect(at.get(`${b}/404/half.jpg`)).toBe(2);
    expect(at.get(`${b}/404/four.jpg`)).toBe(4);
    expect(at.get(`${b}/404/exemplar.jpg`)).toBe(5);
    expect(at.has(`${b}/404/unrated.jpg`)).toBe(false);
    // And every image's URL, in its image's class: nothing more.
    const images = db.prepare("SELECT u.url, i.rating_class FROM image_urls u JOIN images i ON i.id = u.image_id WHERE i.rating_class IS NOT NULL AND u.url LIKE 'http%'").all() as { url: string; rating_class: number }[];
    expect(images.length).toBe(GOOD.length);
    for (const r of images) expect(at.get(r.url), r.url).toBe(r.rating_class);
    expect(at.size).toBe(images.length + failed.size);
    expect(result.missing).toBe(0);
    expect(result.urls_skipped).toBe(0);
    // The samples draw from the whole list.
    const five = fs.readFileSync(path.join(out, 'five_download_3.txt'), 'utf8').split('\n').filter(Boolean);
    for (const u of five) expect(at.get(u)).toBe(5);
  });

  it('lists the URLs of an image whose original file is missing, and counts it missing, not copied', async () => {
    const { db, paths } = lib.core.context;
    const baseline = await exportTraining(db, paths, { outDir: path.join(lib.dir, 'missing-baseline'), sample: 3 });
    const image = db.prepare('SELECT i.id, i.path, i.rating_class, l.label FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.rating_class IS NOT NULL ORDER BY i.id LIMIT 1').get() as { id: number; path: string; rating_class: number; label: string | null };
    const urls = (db.prepare('SELECT url FROM image_urls WHERE image_id = ?').all(image.id) as { url: string }[]).map((r) => r.url);
    const file = path.join(paths.root, image.path);
    const bytes = fs.readFileSync(file);
    fs.rmSync(file);
    try {
      const out = path.join(lib.dir, 'missing');
      const result = await exportTraining(db, paths, { outDir: out, sample: 3 });
      expect(result.missing).toBe(baseline.missing + 1);
      expect(result.copied).toBe(baseline.copied - 1 - (image.label === null ? 0 : 1));
      expect(result.by_class[String(image.rating_class) as '1']).toBe(baseline.by_class[String(image.rating_class) as '1'] - 1);
      const at = listed(out);
      expect(urls.length).toBeGreaterThan(0);
      for (const u of urls) expect(at.get(u), u).toBe(image.rating_class);
      expect(at).toEqual(listed(path.join(lib.dir, 'missing-baseline')));
    } finally {
      fs.writeFileSync(file, bytes);
    }
  });

  it('skips and counts a rated imageless URL holding a line break, once, and lists the rest', async () => {
    const { db, paths } = lib.core.context;
    const b = lib.server.base;
    // The import refuses such URLs now; a library imported before it did may hold rows with them.
    const importId = (db.prepare('SELECT id FROM imports ORDER BY id LIMIT 1').get() as { id: number }).id;
    const bad = `${b}/404/x.jpg?a=\rhttp://evil.example/injected.jpg`;
    const put = db.prepare("INSERT INTO source_rows (origin, line, kind, url, rating, raw, import_id) VALUES ('old-ratings.txt', ?, 'ratings', ?, ?, '{}', ?)");
    put.run(1, bad, 1.2, importId);
    put.run(2, bad, 1.4, importId);
    try {
      const out = path.join(lib.dir, 'breaks');
      const result = await exportTraining(db, paths, { outDir: out, sample: 3 });
      expect(result.urls_skipped).toBe(1);
      const at = listed(out);
      for (const u of at.keys()) expect(u).not.toContain('evil.example');
      for (const [url, cls] of failed) expect(at.get(url), url).toBe(cls);
    } finally {
      db.prepare("DELETE FROM source_rows WHERE origin = 'old-ratings.txt'").run();
    }
  });

  it("lists a rated imageless URL by its ratings counted once: a copy's identical row under another file's name does not count again", async () => {
    const { db, paths } = lib.core.context;
    const b = lib.server.base;
    const url = `${b}/404/copied.jpg`;
    const importId = (db.prepare('SELECT id FROM imports ORDER BY id LIMIT 1').get() as { id: number }).id;
    const put = db.prepare("INSERT INTO source_rows (origin, line, kind, url, eol_id, rating, raw, import_id) VALUES (?, ?, 'ratings', ?, ?, ?, '{}', ?)");
    // 1 and 5 (mean 3: class 3); the copy's 1 again would make it 2.33 (class 2).
    put.run('rated.txt', 1, url, '910', 1, importId);
    put.run('rated.txt', 2, url, '911', 5, importId);
    put.run('rated copy.txt', 1, url, '910', 1, importId);
    try {
      const out = path.join(lib.dir, 'copied');
      await exportTraining(db, paths, { outDir: out, sample: 3 });
      expect(listed(out).get(url)).toBe(3);
    } finally {
      db.prepare("DELETE FROM source_rows WHERE origin IN ('rated.txt', 'rated copy.txt')").run();
    }
  });

  it('takes a folder holding only the OS metadata files as empty, and leaves them there', async () => {
    const { db, paths } = lib.core.context;
    const out = path.join(lib.dir, 'osfiles');
    fs.mkdirSync(out);
    const meta = { '.DS_Store': 'finder', 'Thumbs.db': 'explorer', 'desktop.ini': '[.ShellClassInfo]' };
    for (const [n, text] of Object.entries(meta)) fs.writeFileSync(path.join(out, n), text);
    const result = await exportTraining(db, paths, { outDir: out, sample: 3 });
    expect(result.copied).toBeGreaterThan(0);
    for (const [n, text] of Object.entries(meta)) expect(fs.readFileSync(path.join(out, n), 'utf8')).toBe(text);
    expect(fs.readdirSync(out).sort()).toEqual([...Object.keys(meta), 'images', ...result.lists.map((f) => path.basename(f))].sort());

    // Beside an export a killed process left unfinished: cleared and written again, the metadata kept.
    const unfinished = path.join(lib.dir, 'osfiles-unfinished');
    const stage = path.join(unfinished, '.qc-export-999999999_1.2-0123456789ab');
    fs.mkdirSync(stage, { recursive: true });
    fs.writeFileSync(path.join(unfinished, 'one_download.txt'), 'https://old.example/1.jpg\n');
    fs.writeFileSync(path.join(unfinished, '.DS_Store'), 'finder');
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stage, hoursAgo, hoursAgo);
    await exportTraining(db, paths, { outDir: unfinished, sample: 3 });
    expect(fs.readFileSync(path.join(unfinished, '.DS_Store'), 'utf8')).toBe('finder');
    expect(fs.readFileSync(path.join(unfinished, 'one_download.txt'), 'utf8')).not.toContain('old.example');

    // A file of the user's beside them is still refused, and nothing is touched.
    const busy = path.join(lib.dir, 'osfiles-busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, '.DS_Store'), 'finder');
    fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine');
    await expect(exportTraining(db, paths, { outDir: busy })).rejects.toThrow(/not empty/);
    expect(fs.readdirSync(busy).sort()).toEqual(['.DS_Store', 'notes.txt']);
  });
});
