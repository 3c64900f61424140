/** export-training: the seed's folders and lists, and a round trip through a fresh library. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { exportTraining, sampleSuffix, seededSample } from './training';
import { importCountNotes } from '../../../src-shared/domain/library';

interface Snapshot {
  ratingClass: number | null;
  label: string | null;
}

function snapshot(core: Core): Map<string, Snapshot> {
  const rows = core.context.db
    .prepare('SELECT i.sha256, i.rating_class, l.label FROM images i LEFT JOIN labels l ON l.image_id = i.id')
    .all() as { sha256: string; rating_class: number | null; label: string | null }[];
  return new Map(rows.map((r) => [r.sha256, { ratingClass: r.rating_class, label: r.label }]));
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('exportTraining', () => {
  const dir = tempDir();
  let core: Core;
  let curatorFlipped: string;
  let curatorNone: string;
  let unrated: string;

  beforeAll(async () => {
    core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    // 40 rated images of the dev set (every class), through the mirror: no network.
    const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
    const ratings = path.join(dir, 'ratings.txt');
    fs.writeFileSync(ratings, `${lines.slice(0, 41).join('\n')}\n`, 'latin1');
    await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    // One unrated picture, labelled by a curator: it belongs in agg/ only.
    const flat = path.join(dir, 'flat');
    fs.mkdirSync(flat);
    fs.copyFileSync(path.join(DEV_IMAGES, lines[60]!.split('\t')[0] + '.jpg'), path.join(flat, 'x.jpg'));
    await core.call('library.import', { source: flat });
    const db = core.context.db;
    const id = (where: string) => (db.prepare(`SELECT i.id, i.sha256 FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE ${where} ORDER BY i.id LIMIT 1`).get() as { id: number; sha256: string });
    const bad = id("i.rating_class = 1");
    const good = id("i.rating_class = 5");
    const loose = id('i.rating_class IS NULL');
    await core.call('labels.set', { imageIds: [bad.id], label: 'good' });
    await core.call('labels.set', { imageIds: [good.id], label: null });
    await core.call('labels.set', { imageIds: [loose.id], label: 'bad' });
    curatorFlipped = bad.sha256;
    curatorNone = good.sha256;
    unrated = loose.sha256;
  }, 120_000);

  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes copies, so editing an exported file in place leaves the library untouched', async () => {
    const out = path.join(dir, 'export-edit');
    await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5, seed: 7 });
    const exported = filesUnder(path.join(out, 'images'));
    expect(exported.length).toBeGreaterThan(0);
    for (const f of exported) fs.appendFileSync(f, 'edited by an EXIF tool'); // in place, as such tools may
    const originals = core.context.db.prepare('SELECT sha256, path FROM images').all() as { sha256: string; path: string }[];
    for (const o of originals) expect(createHash('sha256').update(fs.readFileSync(path.join(core.context.paths.root, o.path))).digest('hex'), o.path).toBe(o.sha256);
  });

  it('writes the seed layout, never re-encoded, and a re-import gives the same classes and labels', async () => {
    const out = path.join(dir, 'export');
    const result = await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5, seed: 7 });
    const before = snapshot(core);
    const rated = [...before.values()].filter((s) => s.ratingClass !== null).length;
    const labelled = [...before.values()].filter((s) => s.label !== null).length;
    expect(Object.values(result.by_class).reduce((a, b) => a + b, 0)).toBe(rated);
    expect(result.agg.bad + result.agg.good).toBe(labelled);
    expect(result.curator_unlabelled).toBe(1);
    expect(result.copied).toBe(rated + labelled);

    // Every exported file is byte-identical to a stored original.
    for (const f of filesUnder(path.join(out, 'images'))) {
      const sha = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
      expect(before.has(sha), f).toBe(true);
    }
    expect(fs.readdirSync(path.join(out, 'images', 'agg', 'good')).length).toBe(result.agg.good);

    // Which pictures a curator labelled: the folders say the label, the manifest beside them whose.
    expect(result.curator_labels).toBe(2);
    expect(fs.readFileSync(path.join(out, 'curator_labels.tsv'), 'utf8').split('\n').slice(1, -1).map((l) => l.split('\t').slice(0, 2)).sort()).toEqual([[curatorFlipped, 'good'], [unrated, 'bad']].sort());

    const again = createCore({ dataDir: path.join(dir, 'lib2'), ml: 'in-process' });
    try {
      const imported = await again.call('library.import', { source: out });
      // They come back as curator labels (undoable as one batch), the rest as the import's.
      expect(imported.curator_labels).toEqual({ rows: 2, labelled: 2, unchanged: 0, conflicts: 0, not_here: 0 });
      const curators = again.context.db.prepare("SELECT i.sha256 FROM images i JOIN labels l ON l.image_id = i.id WHERE l.origin = 'curator'").pluck().all();
      expect(new Set(curators)).toEqual(new Set([curatorFlipped, unrated]));
      const after = snapshot(again);
      expect(new Set(after.keys())).toEqual(new Set(before.keys()));
      for (const [sha, s] of before) {
        const t = after.get(sha)!;
        expect(t.ratingClass, sha).toBe(s.ratingClass);
        // A curator's "no label" on a rated image is the one thing the folders cannot carry.
        if (sha !== curatorNone) expect(t.label, sha).toBe(s.label);
      }
      expect(after.get(curatorFlipped)).toEqual({ ratingClass: 1, label: 'good' });
      expect(after.get(unrated)).toEqual({ ratingClass: null, label: 'bad' });
    } finally {
      await again.close();
    }
  }, 120_000);

  it('lists every http(s) URL per rating class, with seeded samples of N', async () => {
    const out = path.join(dir, 'lists');
    await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5, seed: 7 });
    const db = core.context.db;
    const words = ['one', 'two', 'three', 'four', 'five'];
    words.forEach((w, i) => {
      const want = (db.prepare("SELECT u.url FROM image_urls u JOIN images i ON i.id = u.image_id WHERE i.rating_class = ? AND u.url LIKE 'https://%' ORDER BY u.url").all(i + 1) as { url: string }[]).map((r) => r.url);
      const all = fs.readFileSync(path.join(out, `${w}_download.txt`), 'utf8').split('\n').filter(Boolean);
      expect(all.sort()).toEqual(want);
      const sample = fs.readFileSync(path.join(out, `${w}_download_5.txt`), 'utf8').split('\n').filter(Boolean);
      expect(sample.length).toBe(Math.min(5, want.length));
      expect(new Set(sample).size).toBe(sample.length);
      for (const u of sample) expect(want).toContain(u);
    });
    // Same seed, same samples; another seed, (almost surely) another sample.
    const out2 = path.join(dir, 'lists2');
    await exportTraining(core.context.db, core.context.paths, { outDir: out2, sample: 5, seed: 7 });
    expect(fs.readFileSync(path.join(out2, 'two_download_5.txt'), 'utf8')).toBe(fs.readFileSync(path.join(out, 'two_download_5.txt'), 'utf8'));
  });

  it('never writes a URL holding a line break into a download list (a library imported before the import refused them): skipped and counted', async () => {
    const { db, paths } = core.context;
    const image = db.prepare('SELECT id, rating_class FROM images WHERE rating_class = 2 ORDER BY id LIMIT 1').get() as { id: number; rating_class: number };
    const injected = ['\r', '\n', '\u0085', '\u2028', '\u2029', '\v'].map((brk, i) => `https://x.org/${i}.jpg?x=${brk}http://evil.example/injected-${i}.jpg`);
    const put = db.prepare('INSERT INTO image_urls (url, image_id) VALUES (?, ?)');
    for (const u of injected) put.run(u, image.id);
    try {
      const result = await exportTraining(db, paths, { outDir: path.join(dir, 'breaks'), sample: 5 });
      expect(result.urls_skipped).toBe(injected.length);
      for (const f of result.lists) {
        const text = fs.readFileSync(f, 'utf8');
        expect(text, f).not.toContain('evil.example');
        // Every line a splitting reader sees is a whole URL of the library.
        // eslint-disable-next-line no-control-regex -- U+001C–U+001E are line breaks to str.splitlines()
        for (const line of text.split(/\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/).filter(Boolean)) expect(line).toMatch(/^https:\/\/\S+$/);
      }
      expect(fs.readFileSync(path.join(dir, 'breaks', 'two_download.txt'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
    } finally {
      db.prepare(`DELETE FROM image_urls WHERE url IN (${injected.map(() => '?').join(', ')})`).run(...injected);
    }
  });

  it('refuses a non-empty folder and a bad sample size', async () => {
    const out = path.join(dir, 'busy');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    await expect(exportTraining(core.context.db, core.context.paths, { outDir: out })).rejects.toThrow(/not empty/);
    await expect(exportTraining(core.context.db, core.context.paths, { outDir: path.join(dir, 'x'), sample: 0 })).rejects.toThrow(/sample/);
    expect(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('can be cancelled part way: nothing of it is left in the folder, and the next export into it succeeds', async () => {
    const out = path.join(dir, 'cancelled');
    const controller = new AbortController();
    const seen: number[] = [];
    const exporting = exportTraining(core.context.db, core.context.paths, {
      outDir: out,
      sample: 5,
      signal: controller.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done === 5) controller.abort();
      },
    });
    await expect(exporting).rejects.toMatchObject({ code: 'cancelled' });
    // The abort was seen while pictures were still being copied (the loop yields), not after all of them.
    expect(Math.max(...seen)).toBeLessThan(41);
    expect(fs.readdirSync(out)).toEqual([]);
    const result = await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5 });
    expect(filesUnder(path.join(out, 'images')).length).toBe(result.copied);
    expect(fs.readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it("a re-import keeps a different curator label of the library (a conflict, said), and a broken curator_labels.tsv refuses the import naming its line", async () => {
    const out = path.join(dir, 'export-conflict');
    await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5, seed: 7 });
    const lib = createCore({ dataDir: path.join(dir, 'lib-conflict'), ml: 'in-process' });
    try {
      await lib.call('library.import', { source: out });
      const flipped = lib.context.db.prepare('SELECT id FROM images WHERE sha256 = ?').pluck().get(curatorFlipped) as number;
      await lib.call('labels.set', { imageIds: [flipped], label: 'bad' });
      const again = await lib.call('library.import', { source: out });
      expect(again.curator_labels).toEqual({ rows: 2, labelled: 0, unchanged: 1, conflicts: 1, not_here: 0 });
      expect(importCountNotes(again)).toContain("2 pictures a curator labelled (curator_labels.tsv): 0 made curators' labels here, 1 already so, 1 conflicting (this library's curator labelled it otherwise: kept)");
      expect(lib.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(flipped)).toEqual({ label: 'bad', origin: 'curator' });

      const manifest = path.join(out, 'curator_labels.tsv');
      fs.appendFileSync(manifest, `${curatorFlipped}\tmaybe\timages/agg/good/x.jpg\n`);
      const imports = () => lib.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get();
      const before = imports();
      await expect(lib.call('library.import', { source: out })).rejects.toMatchObject({ code: 'bad_input', file: manifest, line: 4, message: expect.stringContaining('not a sha256 and a label good or bad') });
      expect(imports()).toBe(before);
    } finally {
      await lib.close();
    }
  }, 120_000);

  it('clears and writes again a folder holding only an export of ours that a dead process left unfinished', async () => {
    const out = path.join(dir, 'unfinished');
    // What a process killed while publishing leaves: its stage, some lists, no images.
    const stage = path.join(out, '.qc-export-999999999_1.2-0123456789ab');
    fs.mkdirSync(path.join(stage, 'images', '1'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'images', '1', 'half.jpg'), 'half');
    fs.writeFileSync(path.join(out, 'one_download.txt'), 'https://old.example/1.jpg\n');
    // A process this library does not know might be another machine's still writing: its stage
    // counts as live until it has been left untouched for an hour.
    await expect(exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5 })).rejects.toThrow(/another export/);
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const p of [stage, path.join(stage, 'images')]) fs.utimesSync(p, hoursAgo, hoursAgo);
    const result = await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5 });
    expect(fs.readdirSync(out).sort()).toEqual([...result.lists.map((f) => path.basename(f)), 'curator_labels.tsv', 'images'].sort());
    expect(fs.readFileSync(path.join(out, 'one_download.txt'), 'utf8')).not.toContain('old.example');
    expect(filesUnder(path.join(out, 'images')).length).toBe(result.copied);

    // A stage of a live process (this one, not holding it: taken as another export's) or a file of the user's: refused, untouched.
    const busy = path.join(dir, 'unfinished-busy');
    fs.mkdirSync(path.join(busy, '.qc-export-1-0123456789ab'), { recursive: true });
    await expect(exportTraining(core.context.db, core.context.paths, { outDir: busy })).rejects.toThrow(/another export/);
    const mixed = path.join(dir, 'unfinished-mixed');
    fs.mkdirSync(path.join(mixed, '.qc-export-999999999_1.2-0123456789ab'), { recursive: true });
    fs.writeFileSync(path.join(mixed, 'notes.txt'), 'mine');
    await expect(exportTraining(core.context.db, core.context.paths, { outDir: mixed })).rejects.toThrow(/not empty/);
    expect(fs.readdirSync(mixed).sort()).toEqual(['.qc-export-999999999_1.2-0123456789ab', 'notes.txt']);
  });

  it.runIf(process.platform === 'linux')(
    'an export folder under /proc is a quick bad_input error, not a hang',
    async () => {
      await expect(exportTraining(core.context.db, core.context.paths, { outDir: '/proc/qc-test-no-such/x' })).rejects.toThrow(expect.objectContaining({ code: 'bad_input' }));
    },
    5000,
  );

  it('leaves out, counts and names an original that no longer matches its record (replaced, garbage, emptied, one byte changed), publishing only checked copies (audit-durable F5)', async () => {
    const { db, paths } = core.context;
    const rows = db.prepare('SELECT id, path, bytes, sha256 FROM images WHERE rating_class IS NOT NULL ORDER BY id LIMIT 5').all() as { id: number; path: string; bytes: number; sha256: string }[];
    const file = (r: { path: string }) => path.join(paths.root, r.path);
    const kept = rows.map((r) => fs.readFileSync(file(r)));
    const baseline = await exportTraining(db, paths, { outDir: path.join(dir, 'damaged-baseline'), sample: 5 });
    expect(baseline.damaged).toBe(0);
    expect(baseline.damaged_files).toEqual([]);
    try {
      const [swapped, garbage, emptied, flipped] = rows;
      fs.writeFileSync(file(swapped!), kept[4]!); // another photo of the library
      fs.writeFileSync(file(garbage!), 'garbage\n');
      fs.writeFileSync(file(emptied!), '');
      const bytes = Buffer.from(kept[3]!);
      const mid = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(mid) ^ 0xff, mid); // same size, other content: only the hash can tell
      fs.writeFileSync(file(flipped!), bytes);

      const out = path.join(dir, 'damaged');
      const result = await exportTraining(db, paths, { outDir: out, sample: 5 });
      expect(result.damaged).toBe(4);
      expect(result.missing).toBe(baseline.missing);
      expect(result.damaged_files).toEqual([
        { image_id: swapped!.id, path: file(swapped!), why: `it has ${kept[4]!.length} bytes, the library recorded ${swapped!.bytes}` },
        { image_id: garbage!.id, path: file(garbage!), why: `it has 8 bytes, the library recorded ${garbage!.bytes}` },
        { image_id: emptied!.id, path: file(emptied!), why: `it has 0 bytes, the library recorded ${emptied!.bytes}` },
        { image_id: flipped!.id, path: file(flipped!), why: 'its content differs from the picture the library recorded (another sha256)' },
      ]);
      // Each damaged image was left out of its rating folder and (when labelled) of agg/.
      const labelled = db.prepare('SELECT COUNT(*) FROM labels WHERE label IS NOT NULL AND image_id IN (?, ?, ?, ?)').pluck().get(...rows.slice(0, 4).map((r) => r.id)) as number;
      expect(Object.values(result.by_class).reduce((a, b) => a + b, 0)).toBe(Object.values(baseline.by_class).reduce((a, b) => a + b, 0) - 4);
      expect(result.agg.bad + result.agg.good).toBe(baseline.agg.bad + baseline.agg.good - labelled);
      expect(result.copied).toBe(baseline.copied - 4 - labelled);
      // What was published is only pictures of the library, each whole; no half-written or removed copy is left in the stage.
      const known = new Set((db.prepare('SELECT sha256 FROM images').pluck().all() as string[]));
      const exported = filesUnder(path.join(out, 'images'));
      expect(exported).toHaveLength(result.copied);
      for (const f of exported) expect(known.has(createHash('sha256').update(fs.readFileSync(f)).digest('hex')), f).toBe(true);
      expect(exported.filter((f) => fs.statSync(f).size === 0)).toEqual([]);
      expect(fs.readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
      // Their URLs stay in the download lists, for a re-download.
      for (const n of ['one', 'two', 'three', 'four', 'five']) expect(fs.readFileSync(path.join(out, `${n}_download.txt`), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'damaged-baseline', `${n}_download.txt`), 'utf8'));
    } finally {
      rows.forEach((r, i) => fs.writeFileSync(file(r), kept[i]!));
    }
  });

  it('counts an image whose stored path escapes originals/ as missing and never links or copies it', async () => {
    const { db, paths } = core.context;
    const secret = path.join(dir, 'secret.txt');
    fs.writeFileSync(secret, 'TOP SECRET outside the library\n');
    fs.symlinkSync(secret, path.join(paths.originals, 'zz_link.jpg'));
    const rows = db.prepare('SELECT id, path, thumb_path FROM images WHERE rating_class IS NOT NULL ORDER BY id LIMIT 4').all() as { id: number; path: string; thumb_path: string }[];
    const escapes = ['../secret.txt', 'originals/../library.sqlite', 'originals/zz_link.jpg', rows[3]!.thumb_path];
    const setPath = db.prepare('UPDATE images SET path = ? WHERE id = ?');
    const baseline = await exportTraining(db, paths, { outDir: path.join(dir, 'escape-baseline'), sample: 5 });
    try {
      rows.forEach((r, i) => setPath.run(escapes[i]!, r.id));
      const out = path.join(dir, 'escape');
      const result = await exportTraining(db, paths, { outDir: out, sample: 5 });
      expect(result.missing).toBe(baseline.missing + 4);
      expect(result.copied).toBeLessThanOrEqual(baseline.copied - 4);
      const secretIno = fs.statSync(secret).ino;
      const dbIno = fs.statSync(paths.db).ino;
      for (const f of filesUnder(path.join(out, 'images'))) {
        const st = fs.statSync(f);
        expect(st.ino, f).not.toBe(secretIno);
        expect(st.ino, f).not.toBe(dbIno);
        const head = fs.readFileSync(f).subarray(0, 32).toString('latin1');
        expect(head, f).not.toContain('TOP SECRET');
        expect(head, f).not.toContain('SQLite format 3');
      }
    } finally {
      rows.forEach((r) => setPath.run(r.path, r.id));
      fs.rmSync(path.join(paths.originals, 'zz_link.jpg'));
    }
  });
});

describe('exportTraining with hostile EOL ids', () => {
  it('names files portably (never hidden, no device names, unique under case folding and NFC/NFD), and a re-import gets every picture back with its class and label', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    const again = createCore({ dataDir: path.join(dir, 'lib2'), ml: 'in-process' });
    try {
      const ids = ['.hidden', '..', 'ABC', 'abc', 'Abc', 'CON', 'nul', 'LPT1.txt', 'aux ', 'a.', 'a', 'caf\u00e9', 'cafe\u0301', 'x:y', 'q"uote', '-rf', '.', 'COM1'];
      const dev = devRatings();
      // Two rating classes, so each folder holds colliding names: class 1 and class 5.
      const lines = ids.map((id, i) => [id, dev[i]![1], i % 3 === 2 ? '4.8' : '1.2', '{}'].join('\t'));
      const ratings = path.join(dir, 'hostile.txt');
      fs.writeFileSync(ratings, `obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n${lines.join('\n')}\n`, 'utf8');
      await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
      const db = core.context.db;
      const hidden = db.prepare("SELECT i.id, i.sha256 FROM images i JOIN image_urls u ON u.image_id = i.id JOIN source_rows s ON s.url = u.url WHERE s.eol_id = '.hidden'").get() as { id: number; sha256: string };
      await core.call('labels.set', { imageIds: [hidden.id], label: 'good' });
      const before = snapshot(core);
      expect(before.size).toBe(ids.length);

      const out = path.join(dir, 'export');
      await core.call('export.training', { outDir: out, sample: 5 });
      const folders = fs.readdirSync(path.join(out, 'images'), { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name));
      let files = 0;
      for (const folder of folders) {
        const names = fs.readdirSync(folder, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
        files += names.length;
        for (const n of names) {
          expect(n.startsWith('.'), n).toBe(false);
          expect(n, n).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
          expect(n, n).not.toMatch(/[<>:"/\\|?*\p{C}]|[. ]\.jpg$/u);
        }
        expect(new Set(names.map((n) => n.normalize('NFD').toLowerCase())).size, folder).toBe(names.length);
      }
      expect(files).toBe(2 * ids.length); // each picture in its class folder and, labelled by the rule or the curator, in agg/

      await again.call('library.import', { source: out });
      const after = snapshot(again);
      expect(after.size).toBe(before.size);
      for (const [sha, s] of before) expect(after.get(sha), sha).toEqual(s);
      expect(after.get(hidden.sha256)).toEqual({ ratingClass: 1, label: 'good' });
    } finally {
      await core.close();
      await again.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('seededSample and sampleSuffix', () => {
  it('samples without repeats, all items when fewer, deterministically', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const a = seededSample(items, 10, 3);
    expect(new Set(a).size).toBe(10);
    expect(seededSample(items, 10, 3)).toEqual(a);
    expect(seededSample(items, 10, 4)).not.toEqual(a);
    expect(seededSample(items, 500, 1).sort((x, y) => x - y)).toEqual(items);
  });
  it('names the samples the seed way', async () => {
    expect(sampleSuffix(7000)).toBe('7k');
    expect(sampleSuffix(2500)).toBe('2500');
  });
});
