/**
 * Tag files on a real library: `confidence` is the probability of the row's class (in chunk files
 * the predicted class's, in final tags the tag's: p(bad) for bad, 1 − p(bad) for NA, at any
 * threshold; never a number next to a curator's tag), `p_bad` is what the threshold is compared
 * with, a curator's cleared label hands the image back to the model, and an output path that is a
 * file is a clear error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { predictedClass } from '../../../src-shared/domain/tags';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, qcError, qcRejection, tempDir } from '../../../test-support/fixtures';
import { makeDir } from '../fsSafe';
import { importTagFiles } from '../ml/tagImport';
import { exportBundle, exportLibrary } from './tags';

function readTsv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

describe('tag files', () => {
  let dir: string;
  let core: Core;
  let bundleId: number;
  const pBad = new Map<number, number>();
  let curatorId: number;
  let run: number;

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const bundle = path.join(dir, 'bundle.txt');
    const urls = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 9).map((l) => l.split('\t')[1]);
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', ...urls.map((u, i) => `${u}\tid${i}`)].join('\n') + '\n');
    const s = await core.call('library.import', { source: bundle, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    bundleId = s.bundle_id!;
    const { db } = core.context;
    run = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    // Spread p(bad) over both sides of 0.5 and of the threshold 0.7.
    const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0)');
    ids.forEach((id, i) => {
      const p = [0.05, 0.2, 0.45, 0.55, 0.65, 0.75, 0.9, 0.99][i % 8]!;
      pBad.set(id, p);
      put.run(run, id, p);
    });
    curatorId = ids.find((id) => pBad.get(id) === 0.05)!;
    await core.call('labels.set', { imageIds: [curatorId], label: 'bad' });
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runId = () => run;

  it("writes the predicted class's confidence in the chunk file, the tag's class's in the final tags, and p_bad beside it", async () => {
    const out = path.join(dir, 'out');
    const r = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out });
    const chunk = readTsv(r.files[0]!);
    const fin = readTsv(r.files.at(-1)!);
    expect(chunk).toHaveLength(8);
    expect(fin).toHaveLength(8);
    for (let i = 0; i < chunk.length; i++) {
      const p = Number(fin[i]!.p_bad);
      const want = predictedClass(p);
      expect(chunk[i]!.imclass).toBe(want.imclass);
      expect(Number(chunk[i]!.confidence)).toBeCloseTo(want.confidence!, 6);
      if (fin[i]!.source === 'model') {
        expect(fin[i]!.imclass).toBe(p >= 0.7 ? 'bad' : 'NA');
        expect(Number(fin[i]!.confidence)).toBeCloseTo(fin[i]!.imclass === 'bad' ? p : 1 - p, 6);
      } else {
        expect(fin[i]!.source).toBe('curator');
        expect(fin[i]!.confidence).toBe('');
        expect(fin[i]!.imclass).toBe('bad');
      }
    }
    // A good-leaning row (p(bad) 0.2) has confidence 0.8 in both files.
    const low = fin.findIndex((row) => Number(row.p_bad) === 0.2);
    expect(chunk[low]!.confidence).toBe('0.800000');
    expect(fin[low]!.confidence).toBe('0.800000');
    // A bad-leaning row under the threshold (0.55 < 0.7) is NA in the final tags: 0.45 there, 0.55 (bad's) in its chunk.
    const under = fin.findIndex((row) => Number(row.p_bad) === 0.55);
    expect(chunk[under]!.confidence).toBe('0.550000');
    expect(fin[under]).toMatchObject({ imclass: 'NA', confidence: '0.450000' });
    expect(fin.filter((row) => row.source === 'curator')).toHaveLength(1);
  });

  it('under a threshold below 0.5, a bad tag\'s confidence is its p(bad), never good\'s probability (a filter imclass bad & confidence > t reads p(bad) > t)', async () => {
    const t = 0.136632;
    const bundleOut = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: t, outDir: path.join(dir, 'low-t') });
    const libOut = await exportLibrary(core.context.db, { runId: runId(), threshold: t, outDir: path.join(dir, 'low-t') });
    for (const file of [bundleOut.files.at(-1)!, libOut.files[0]!]) {
      const fin = readTsv(file);
      const model = fin.filter((row) => row.source === 'model');
      // Rows at 0.2 and 0.45 are tagged bad though good is their predicted class.
      const badUnderHalf = model.filter((row) => row.imclass === 'bad' && Number(row.p_bad) < 0.5);
      expect(badUnderHalf.length).toBeGreaterThan(0);
      for (const row of model) {
        const p = Number(row.p_bad);
        expect(row.imclass).toBe(p >= t ? 'bad' : 'NA');
        expect(row.confidence).toBe((row.imclass === 'bad' ? p : 1 - p).toFixed(6));
        if (row.imclass === 'bad') expect(Number(row.confidence)).toBeGreaterThanOrEqual(t);
      }
    }
  });

  it("reads back as the same p(bad): the final tags and chunk files of an export under a threshold below 0.5, merged into another run", async () => {
    const { db } = core.context;
    const r = await exportBundle(db, { bundleId, runId: runId(), threshold: 0.136632, outDir: path.join(dir, 'reimport') });
    const fin = r.files.at(-1)!;
    const scores = (run: number) => new Map((db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = ?').all(run) as { image_id: number; p_bad: number }[]).map((x) => [x.image_id, x.p_bad]));
    for (const files of [[fin], [r.files[0]!]]) {
      const other = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
      try {
        expect(await importTagFiles(db, files, other)).toMatchObject({ local: 8, remote: 0 });
        const back = scores(other);
        expect(back.size).toBe(8);
        for (const [id, p] of pBad) expect(back.get(id)).toBeCloseTo(p, 6);
      } finally {
        db.prepare('DELETE FROM runs WHERE id = ?').run(other);
      }
    }
    // A final-tags file without p_bad (a tool that kept the seed's columns only): a bad row's confidence is its p(bad).
    const seedOnly = path.join(dir, 'reimport', 'seed_columns_finaltags.tsv');
    const rows = readTsv(fin);
    fs.writeFileSync(seedOnly, ['eolMediaURL\timclass\tconfidence', ...rows.filter((x) => x.source === 'model').map((x) => `${x.eolMediaURL}\t${x.imclass}\t${x.confidence}`)].join('\n') + '\n');
    const other = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    try {
      const bad = rows.filter((x) => x.source === 'model' && x.imclass === 'bad');
      expect(bad.some((x) => Number(x.p_bad) < 0.5)).toBe(true);
      expect(await importTagFiles(db, [seedOnly], other)).toMatchObject({ local: bad.length });
      const back = [...scores(other).values()].sort();
      expect(back).toEqual(bad.map((x) => Number(x.p_bad)).sort());
    } finally {
      db.prepare('DELETE FROM runs WHERE id = ?').run(other);
    }
  });

  it("hands an image whose label a curator cleared (none) back to the model: its tag is the threshold's, not the curator's", async () => {
    const { db } = core.context;
    const high = [...pBad].find(([, p]) => p === 0.99)![0];
    const low = [...pBad].find(([, p]) => p === 0.2)![0];
    await core.call('labels.set', { imageIds: [high, low], label: null });
    try {
      expect(db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(high)).toEqual({ label: null, origin: 'curator' });
      const lib = await exportLibrary(db, { runId: runId(), threshold: 0.7, outDir: path.join(dir, 'cleared') });
      const rows = readTsv(lib.files[0]!);
      const row = (id: number) => rows.find((x) => Number(x.image_id) === id)!;
      expect(row(high)).toMatchObject({ label: '', label_origin: 'curator', imclass: 'bad', source: 'model', confidence: '0.990000' });
      expect(row(low)).toMatchObject({ imclass: 'NA', source: 'model', confidence: '0.800000' });
      // Only the curator's bad label (curatorId) is the curator's verdict.
      expect(rows.filter((x) => x.source === 'curator').map((x) => Number(x.image_id))).toEqual([curatorId]);
      const bundle = await exportBundle(db, { bundleId, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'cleared') });
      const fin = readTsv(bundle.files.at(-1)!);
      expect(fin.find((x) => Number(x.p_bad) === 0.99)).toMatchObject({ imclass: 'bad', source: 'model' });
      expect(bundle.by_source.curator).toBe(1);
    } finally {
      // Back to the import's labels (none for this bundle's images), as the other tests expect.
      db.prepare('DELETE FROM labels WHERE image_id IN (?, ?)').run(high, low);
    }
  });

  it('writes a bundle read in small pieces exactly as one read whole, chunk files split where chunkRows says', async () => {
    const whole = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'whole'), chunkRows: 3 });
    const pieces = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'pieces'), chunkRows: 3, readRows: 2 });
    expect(whole.files.map((f) => path.basename(f))).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_c.tsv', 'bundle_finaltags.tsv']);
    expect(pieces.files.map((f) => path.basename(f))).toEqual(whole.files.map((f) => path.basename(f)));
    expect(whole.files.map((f) => readTsv(f).length)).toEqual([3, 3, 2, 8]);
    for (let i = 0; i < whole.files.length; i++) expect(fs.readFileSync(pieces.files[i]!, 'utf8')).toBe(fs.readFileSync(whole.files[i]!, 'utf8'));
    expect({ ...pieces, files: [] }).toEqual({ ...whole, files: [] });
    // Nothing is left under a temporary name.
    expect(fs.readdirSync(path.join(dir, 'pieces')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('keeps one chunk file open at a time (a 20,000-chunk bundle must not need 20,000 open files), and leaves nothing behind when a chunk fails', async () => {
    const opened = new Set<number>();
    let most = 0;
    const realOpen = fs.openSync.bind(fs);
    const realClose = fs.closeSync.bind(fs);
    const openSpy = vi.spyOn(fs, 'openSync').mockImplementation(((...a: Parameters<typeof fs.openSync>) => {
      const fd = realOpen(...a);
      opened.add(fd);
      most = Math.max(most, opened.size);
      return fd;
    }) as typeof fs.openSync);
    const closeSpy = vi.spyOn(fs, 'closeSync').mockImplementation((fd: number) => {
      opened.delete(fd);
      realClose(fd);
    });
    try {
      const r = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'one-row-chunks'), chunkRows: 1 });
      expect(r.files.length).toBe(9); // 8 one-row chunks and the final tags
      expect(most).toBeLessThanOrEqual(2); // the final tags and the chunk being written
    } finally {
      openSpy.mockRestore();
      closeSpy.mockRestore();
    }
    // A chunk that cannot be written (a folder where its file goes): the chunks written before it are removed too.
    const out = path.join(dir, 'fails-midway');
    fs.mkdirSync(path.join(out, 'bundle_e.tsv'), { recursive: true });
    await expect(exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out, chunkRows: 1 })).rejects.toThrow();
    expect(fs.readdirSync(out)).toEqual(['bundle_e.tsv']);
  });

  it('re-exported with fewer chunks, removes the older export\'s later chunks (no row twice in bundle_*.tsv)', async () => {
    const out = path.join(dir, 'fewer-chunks');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'other_a.tsv'), 'another bundle\n');
    fs.writeFileSync(path.join(out, 'bundle_notes.txt'), 'mine\n');
    // The user's own files that look like chunks of the bundle, and a chunk after a gap: kept.
    for (const n of ['bundle_backup.tsv', 'bundle_old.tsv', 'bundle_z.tsv']) fs.writeFileSync(path.join(out, n), 'mine\n');
    expect((await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out, chunkRows: 1 })).files).toHaveLength(9);
    const r = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out, chunkRows: 5 });
    expect(r.files.map((f) => path.basename(f))).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_finaltags.tsv']);
    expect(fs.readdirSync(out).sort()).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_backup.tsv', 'bundle_finaltags.tsv', 'bundle_notes.txt', 'bundle_old.tsv', 'bundle_z.tsv', 'other_a.tsv']);
    expect(fs.readFileSync(path.join(out, 'bundle_old.tsv'), 'utf8')).toBe('mine\n');
    const chunked = ['bundle_a.tsv', 'bundle_b.tsv'].flatMap((n) => readTsv(path.join(out, n)));
    expect(chunked.map((row) => row.identifier)).toEqual(readTsv(path.join(out, 'bundle_finaltags.tsv')).map((row) => row.identifier));
  });

  it('re-exported with fewer chunks after the curator deleted a middle chunk, still removes the older later chunks', async () => {
    const out = path.join(dir, 'deleted-middle');
    expect((await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out, chunkRows: 1 })).files).toHaveLength(9);
    for (const n of ['bundle_c.tsv', 'bundle_d.tsv']) fs.rmSync(path.join(out, n));
    // A tag file far along the sequence by its name (chunk 10,456), a curator's backup: kept.
    fs.copyFileSync(path.join(out, 'bundle_h.tsv'), path.join(out, 'bundle_old.tsv'));
    const r = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out, chunkRows: 5 });
    expect(r.files.map((f) => path.basename(f))).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_finaltags.tsv']);
    expect(fs.readdirSync(out).sort()).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_finaltags.tsv', 'bundle_old.tsv']);
  });

  it("sweeps the temporary files and stage folders of dead processes from the output folder, and leaves a live process's", async () => {
    const out = path.join(dir, 'swept');
    fs.mkdirSync(out);
    const dead = ['bundle_a.tsv.tmp-999999999_1.2-0123456789ab', 'library_finaltags.tsv.tmp-999999999-0123456789ab', '.qc-export-999999999_1.2-0123456789ab'];
    const live = ['bundle_b.tsv.tmp-1-0123456789ab', '.qc-export-1-0123456789ab'];
    const mine = ['notes.tmp-999999999', 'x.tmp-999999999-zz'];
    for (const n of [...dead, ...live, ...mine]) {
      if (n.startsWith('.qc-export-')) fs.mkdirSync(path.join(out, n));
      else fs.writeFileSync(path.join(out, n), '');
    }
    fs.writeFileSync(path.join(out, dead[2]!, 'bundle_a.tsv'), 'half');
    // Processes this library does not know (another machine's, writing into a shared folder) are
    // given an hour since their temporaries were last touched.
    await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out });
    expect(fs.readdirSync(out).sort()).toEqual(['bundle_a.tsv', 'bundle_finaltags.tsv', ...dead, ...live, ...mine].sort());
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const p of [...dead.map((n) => path.join(out, n)), path.join(out, dead[2]!, 'bundle_a.tsv')]) fs.utimesSync(p, hoursAgo, hoursAgo);
    await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: out });
    expect(fs.readdirSync(out).sort()).toEqual(['bundle_a.tsv', 'bundle_finaltags.tsv', ...live, ...mine].sort());
    await exportLibrary(core.context.db, { runId: runId(), threshold: 0.7, outDir: out });
    expect(fs.readdirSync(out)).toContain('library_finaltags.tsv');
  });

  it('uses the same meaning in library_finaltags.tsv', async () => {
    const r = await exportLibrary(core.context.db, { runId: runId(), threshold: 0.7, outDir: path.join(dir, 'lib') });
    const rows = readTsv(r.files[0]!);
    expect(Object.keys(rows[0]!)).toContain('p_bad');
    for (const row of rows) {
      const p = pBad.get(Number(row.image_id))!;
      expect(Number(row.p_bad)).toBeCloseTo(p, 6);
      if (Number(row.image_id) === curatorId) expect(row.confidence).toBe('');
      else expect(Number(row.confidence)).toBeCloseTo(row.imclass === 'bad' ? p : 1 - p, 6);
    }
  });

  it('says clearly when the output path is a file', async () => {
    const file = path.join(dir, 'a-file.tsv');
    fs.writeFileSync(file, 'x');
    const e = qcError(() => makeDir(file));
    expect(e.message).toContain('must be a folder');
    expect(e.message).toContain(file);
    expect(e.message).not.toContain('EEXIST');
    await expect(exportLibrary(core.context.db, { runId: runId(), threshold: 0.5, outDir: file })).rejects.toThrow(QcError);
    const below = qcError(() => makeDir(path.join(file, 'sub')));
    expect(below.message).toContain('cannot create the output folder');
  });

  it('never writes through a link planted at an output name or a guessable temporary name', async () => {
    const victims = path.join(dir, 'victims');
    fs.mkdirSync(victims);
    const planted = (out: string, name: string) => {
      const victim = path.join(victims, `${path.basename(out)}-${name}`);
      fs.writeFileSync(victim, 'PRECIOUS\n');
      fs.symlinkSync(victim, path.join(out, name));
      return victim;
    };
    const libOut = path.join(dir, 'planted-lib');
    fs.mkdirSync(libOut);
    const libVictims = [planted(libOut, 'library_finaltags.tsv'), planted(libOut, `library_finaltags.tsv.tmp-${process.pid}`)];
    const lib = await exportLibrary(core.context.db, { runId: runId(), threshold: 0.7, outDir: libOut });
    const bundleOut = path.join(dir, 'planted-bundle');
    fs.mkdirSync(bundleOut);
    const bundleVictims = ['bundle_a.tsv', 'bundle_finaltags.tsv', `bundle_a.tsv.tmp-${process.pid}`, `bundle_finaltags.tsv.tmp-${process.pid}`].map((n) => planted(bundleOut, n));
    const bundle = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: bundleOut });
    for (const v of [...libVictims, ...bundleVictims]) expect(fs.readFileSync(v, 'utf8'), v).toBe('PRECIOUS\n');
    for (const f of [...lib.files, ...bundle.files]) {
      expect(fs.lstatSync(f).isFile(), f).toBe(true);
      expect(readTsv(f).length, f).toBe(8);
    }
  });

  it('a folder where library_finaltags.tsv goes is a bad_input error and leaves no temporary file', async () => {
    const out = path.join(dir, 'dir-in-the-way');
    fs.mkdirSync(path.join(out, 'library_finaltags.tsv'), { recursive: true });
    const e = await qcRejection(exportLibrary(core.context.db, { runId: runId(), threshold: 0.7, outDir: out }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(path.join(out, 'library_finaltags.tsv'));
    expect(fs.readdirSync(out)).toEqual(['library_finaltags.tsv']);
    const bundleOut = path.join(dir, 'dir-in-the-way-bundle');
    fs.mkdirSync(path.join(bundleOut, 'bundle_finaltags.tsv'), { recursive: true });
    expect((await qcRejection(exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: bundleOut }))).code).toBe('bad_input');
    expect(fs.readdirSync(bundleOut).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'an output folder under /proc is a quick bad_input error, not a hang',
    async () => {
      const e = await qcRejection(exportLibrary(core.context.db, { runId: runId(), threshold: 0.7, outDir: '/proc/qc-test-no-such/out' }));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain('/proc/qc-test-no-such/out: cannot create the output folder');
    },
    5000,
  );

  it("writes each column once, with this export's value, for a bundle that carries an earlier verdict", async () => {
    const old = path.join(dir, 'rescored.txt');
    const urls = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 9).map((l) => l.split('\t')[1]);
    fs.writeFileSync(old, ['eolMediaURL\tidentifier\timclass\tsource\tp_bad\ttitle', ...urls.map((u, i) => `${u}\tid${i}\tstale\told\t0.5\tt${i}`)].join('\n') + '\n');
    const s = await core.call('library.import', { source: old, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    const r = await exportBundle(core.context.db, { bundleId: s.bundle_id!, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'rescored') });
    for (const f of r.files) {
      const header = fs.readFileSync(f, 'utf8').split('\n')[0]!.split('\t');
      expect(new Set(header).size, f).toBe(header.length);
      expect(header).toContain('title');
      const rows = readTsv(f);
      expect(rows.map((x) => x.imclass).filter((c) => c === 'stale'), f).toEqual([]);
    }
    const fin = readTsv(r.files.at(-1)!);
    expect(fin.map((x) => x.source).filter((c) => c === 'old')).toEqual([]);
    expect(fin.map((x) => Number(x.p_bad)).sort()).toEqual([...pBad.values()].sort());
  });

  // Last: it labels an image (the tests above count the curator's labels).
  it('reads one snapshot while the process goes on: a label set during the export is saved at once and is not in its files', async () => {
    const target = [...pBad].find(([, p]) => p === 0.2)![0];
    const seen: [number, number][] = [];
    let labelled = false;
    let labelledWhileRunning = false;
    let write: Promise<unknown> | undefined;
    const r = await exportBundle(core.context.db, {
      bundleId,
      runId: runId(),
      threshold: 0.7,
      outDir: path.join(dir, 'snapshot'),
      readRows: 2,
      onProgress: (done, total) => {
        seen.push([done, total]);
        if (done === 0) write = core.call('labels.set', { imageIds: [target], label: 'bad' }).then(() => (labelled = true));
        if (done === 6) labelledWhileRunning = labelled;
      },
    });
    await write;
    expect(seen).toEqual([[0, 8], [2, 8], [4, 8], [6, 8], [8, 8]]);
    expect(labelledWhileRunning).toBe(true); // the label call was answered (and committed) between two pieces
    const row = (rows: Record<string, string>[]) => rows.find((x) => Number(x.p_bad) === 0.2)!;
    expect(row(readTsv(r.files.at(-1)!))).toMatchObject({ imclass: 'NA', source: 'model' }); // as the library was when the export began
    const after = await exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.7, outDir: path.join(dir, 'snapshot-after') });
    expect(row(readTsv(after.files.at(-1)!))).toMatchObject({ imclass: 'bad', source: 'curator' });
  });

  it('export.tags reports progress and a cancel leaves the output folder as it was', async () => {
    const out = path.join(dir, 'cancelled');
    const first = await core.call('export.tags', { bundleId, runId: runId(), outDir: out, threshold: 0.7 });
    const before = Object.fromEntries(fs.readdirSync(out).map((n) => [n, fs.readFileSync(path.join(out, n), 'utf8')]));
    expect(first.files).toHaveLength(2);
    const progress: string[] = [];
    await core.call('export.tags', { outDir: path.join(dir, 'cancelled-lib'), runId: runId() }, { onProgress: (p) => progress.push(`${p.job} ${p.phase} ${p.done}/${p.total}`) });
    expect(progress.at(-1)).toBe('export tags 8/8');

    const stop = new AbortController();
    const cancelled = exportBundle(core.context.db, { bundleId, runId: runId(), threshold: 0.2, outDir: out, chunkRows: 1, readRows: 2, signal: stop.signal, onProgress: (done) => done === 4 && stop.abort() });
    expect((await qcRejection(cancelled)).code).toBe('cancelled');
    expect(Object.fromEntries(fs.readdirSync(out).map((n) => [n, fs.readFileSync(path.join(out, n), 'utf8')]))).toEqual(before);
  });
});
