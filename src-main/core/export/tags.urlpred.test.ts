/**
 * Predictions merged from other machines' tag files (`qc classify --shard` elsewhere, then `qc
 * import` here) for URLs whose image this library never downloaded (`url_predictions`) reach the
 * curator: `library_finaltags.tsv` writes them after the images with the final tag at the threshold
 * given and the identifier and ancestry their tag files' rows carried, a bundle row whose download failed here takes its URL's merged prediction, a URL whose
 * image is here is written once (as the image), a cancel leaves no file, and `library.status` says
 * how many the active run has. On a real library (real import through a mirror, real tag import).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalConfidence, finalTag, formatConfidence } from '../../../src-shared/domain/tags';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, linesWriter, qcRejection, tempDir } from '../../../test-support/fixtures';
import { RunStore } from '../ml/runs';
import { exportBundle, exportLibrary } from './tags';

function readTsv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

describe('URL predictions merged from tag files', () => {
  let dir: string;
  let core: Core;
  let run: number;
  let bundleId: number;
  let dev: string[];
  const missing = `${DEV_URL_PREFIX}no-such-photo-here.jpg`; // under the mirror prefix, not in the mirror: its download fails
  // p(bad) as the other machines scored them: URLs never downloaded here, and the bundle's failed one.
  const remote = new Map<string, number>([
    ['https://elsewhere.example.org/media/1.jpg', 0.2],
    ['https://elsewhere.example.org/media/2.jpg', 0.6],
    ['https://elsewhere.example.org/media/3.jpg', 0.95],
    [missing, 0.8],
  ]);
  const LOCAL_P = 0.3; // the run's own score of every image here
  const ancestryOf = (i: number) => `{"genus":{"name":"G${i}"}}`;
  const remoteIndex = (url: string) => [...remote.keys()].indexOf(url);
  const MERGED_BEFORE_DOWNLOAD_P = 0.9; // dev[0]'s merged score, stored by URL before its image was imported

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const { db } = core.context;
    run = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    dev = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 5).map((l) => l.split('\t')[1]!);
    const write = linesWriter(dir);
    // A shard's chunk file: imclass and confidence (the model's confidence in its class), one NA row.
    // It names each row's EOL media (identifier, dataObjectVersionID, ancestry) as the bundle did.
    const chunk = write('shards/bundle-shard1of2_a.tsv', [
      'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\timclass\tconfidence',
      ...[...remote].map(([u, p], i) => `${u}\tr${i}\tv${i}\t${ancestryOf(i)}\t${p >= 0.5 ? 'bad' : 'good'}\t${(p >= 0.5 ? p : 1 - p).toFixed(6)}`),
      `${dev[0]}\td0\t\t\tbad\t${MERGED_BEFORE_DOWNLOAD_P.toFixed(6)}`,
      'https://elsewhere.example.org/media/na.jpg\tna\t\t\tNA\t',
    ]);
    const merged = await core.call('ml.importTags', { files: [chunk], runId: run });
    // Nothing was downloaded yet: every scored row is kept by URL, the NA row skipped.
    expect(merged).toMatchObject({ local: 0, remote: remote.size + 1, skipped: 1 });
    // Later the curator imports a bundle: its dev photos download (dev[0] among them), `missing` fails.
    const bundle = write('bundle.txt', ['eolMediaURL\tidentifier', ...dev.map((u, i) => `${u}\tid${i}`), `${missing}\tid-missing`]);
    const s = await core.call('library.import', { source: bundle, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    expect(s.failed).toBe(1);
    bundleId = s.bundle_id!;
    db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) SELECT ?, id, ?, 0 FROM images').run(run, LOCAL_P);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const images = () => (core.context.db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;

  it('writes each merged URL without an image here after the images, tagged by the threshold given', async () => {
    const byThreshold = new Map<number, number>();
    for (const threshold of [0.5, 0.85]) {
      const r = await exportLibrary(core.context.db, { runId: run, threshold, outDir: path.join(dir, `lib-${threshold}`) });
      const rows = readTsv(r.files[0]!);
      expect(rows).toHaveLength(images() + remote.size);
      expect(r.rows).toBe(rows.length);
      const urlRows = rows.filter((x) => x.image_id === '');
      expect(rows.slice(images())).toEqual(urlRows); // after every image
      expect(urlRows.map((x) => x.eolMediaURL)).toEqual([...remote.keys()].sort());
      for (const x of urlRows) {
        const p = remote.get(x.eolMediaURL!)!;
        const t = finalTag({ pBad: p, label: null, origin: null }, threshold);
        expect(x).toEqual({
          image_id: '',
          eolMediaURL: x.eolMediaURL,
          // The failed bundle row's identifier is known from the library's rows of that URL; the
          // others' from the merged tag file's row, with its ancestry (the bundle here has none).
          identifier: x.eolMediaURL === missing ? 'id-missing' : `r${remoteIndex(x.eolMediaURL!)}`,
          // The bundle has no dataObjectVersionID column: every one from the tag file's row.
          dataObjectVersionID: `v${remoteIndex(x.eolMediaURL!)}`,
          ancestry: ancestryOf(remoteIndex(x.eolMediaURL!)),
          label: '',
          label_origin: '',
          imclass: t.imclass,
          confidence: finalConfidence(p, t),
          source: 'model',
          p_bad: formatConfidence(p),
        });
      }
      const urlBad = urlRows.filter((x) => x.imclass === 'bad').length;
      byThreshold.set(threshold, urlBad);
      // Counted like the images' rows.
      expect(r.tagged_bad).toBe(rows.filter((x) => x.imclass === 'bad').length);
      expect(r.by_source.model).toBe(rows.filter((x) => x.source === 'model').length);
      expect(r.by_source.model).toBe(images() + remote.size);
    }
    // The two thresholds tag a different number of the merged URLs bad.
    expect(byThreshold.get(0.5)).toBe([...remote.values()].filter((p) => p >= 0.5).length);
    expect(byThreshold.get(0.85)).toBe([...remote.values()].filter((p) => p >= 0.85).length);
    expect(byThreshold.get(0.5)).toBeGreaterThan(byThreshold.get(0.85)!);
  });

  it('writes a URL whose image is here once, as the image with the score the run gave it', async () => {
    const r = await exportLibrary(core.context.db, { runId: run, threshold: 0.5, outDir: path.join(dir, 'once'), chunkRows: 2 });
    const all = readTsv(r.files[0]!);
    expect(all.filter((x) => x.image_id === '').map((x) => x.eolMediaURL)).toEqual([...remote.keys()].sort()); // the merged URLs are there, this one not among them
    const rows = all.filter((x) => x.eolMediaURL === dev[0]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.image_id).not.toBe('');
    expect(rows[0]).toMatchObject({ p_bad: formatConfidence(LOCAL_P), imclass: 'NA' });
    // Still kept by URL (merged before the download), so status counts it; the export does not write it twice.
    expect(core.context.db.prepare('SELECT p_bad FROM url_predictions WHERE run_id = ? AND url = ?').pluck().get(run, dev[0])).toBe(MERGED_BEFORE_DOWNLOAD_P);
  });

  it('gives a bundle row whose download failed here its URL\'s merged prediction', async () => {
    const r = await exportBundle(core.context.db, { bundleId, runId: run, threshold: 0.5, outDir: path.join(dir, 'bundle') });
    const fin = readTsv(r.files.at(-1)!);
    expect(fin).toHaveLength(dev.length + 1);
    const p = remote.get(missing)!;
    expect(fin.find((x) => x.eolMediaURL === missing)).toMatchObject({ identifier: 'id-missing', imclass: finalTag({ pBad: p, label: null, origin: null }, 0.5).imclass, source: 'model', p_bad: formatConfidence(p) });
    // The rows with an image keep the image's score, not the one merged by URL before the download.
    expect(fin.find((x) => x.eolMediaURL === dev[0])).toMatchObject({ p_bad: formatConfidence(LOCAL_P) });
    const chunk = readTsv(r.files[0]!);
    expect(chunk.find((x) => x.eolMediaURL === missing)).toMatchObject({ imclass: p >= 0.5 ? 'bad' : 'good', confidence: formatConfidence(p >= 0.5 ? p : 1 - p) });
  });

  it("says how many URLs merged into another run an export leaves out (they belong to that run), library and bundle", async () => {
    const { db } = core.context;
    // This run's exports write every merged URL: nothing left out.
    expect((await exportLibrary(db, { runId: run, threshold: 0.5, outDir: path.join(dir, 'own') })).merged_other_runs).toBeUndefined();
    const other = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    try {
      // Another run, which has one of those URLs merged itself: that one is in its export.
      const shared = 'https://elsewhere.example.org/media/2.jpg';
      db.prepare("INSERT INTO url_predictions (run_id, url, p_bad, origin) VALUES (?, ?, 0.4, 'x')").run(other, shared);
      db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) SELECT ?, id, ?, 0 FROM images').run(other, LOCAL_P);
      const lib = await exportLibrary(db, { runId: other, threshold: 0.5, outDir: path.join(dir, 'other-run') });
      // Of run's merged URLs: dev[0]'s image is here (written as the image), `shared` is other's too.
      const leftOut = [...remote.keys()].filter((u) => u !== shared);
      expect(lib.merged_other_runs).toEqual([{ run_id: run, urls: leftOut.length }]);
      const written = readTsv(lib.files[0]!).filter((x) => x.image_id === '').map((x) => x.eolMediaURL);
      expect(written).toEqual([shared]);
      for (const u of leftOut) expect(written).not.toContain(u);
      // A bundle: only its rows' URLs (the failed download, `missing`).
      const bundle = await exportBundle(db, { bundleId, runId: other, threshold: 0.5, outDir: path.join(dir, 'other-run-bundle') });
      expect(bundle.merged_other_runs).toEqual([{ run_id: run, urls: 1 }]);
      // Through the API (the CLI's words: formatMl.test.ts).
      const answer = await core.call('export.tags', { outDir: path.join(dir, 'other-run-api'), runId: other });
      expect(answer.merged_other_runs).toEqual([{ run_id: run, urls: leftOut.length }]);
      expect((await core.call('export.tags', { outDir: path.join(dir, 'own-api'), runId: run })).merged_other_runs).toBeUndefined();
    } finally {
      db.prepare('DELETE FROM runs WHERE id = ?').run(other);
    }
  });

  it('counts the URL rows in the progress, and a cancel among them leaves no file', async () => {
    const progress: string[] = [];
    const whole = await core.call('export.tags', { outDir: path.join(dir, 'progress'), runId: run }, { onProgress: (p) => progress.push(`${p.done}/${p.total}`) });
    const total = images() + remote.size;
    expect(whole.rows).toBe(total);
    expect(progress.at(-1)).toBe(`${total}/${total}`);

    const out = path.join(dir, 'cancelled');
    const stop = new AbortController();
    // One row a piece: cancelled once the images are written and the first URL row is.
    const cancelled = exportLibrary(core.context.db, { runId: run, threshold: 0.5, outDir: out, chunkRows: 1, signal: stop.signal, onProgress: (done) => done === images() + 1 && stop.abort() });
    expect((await qcRejection(cancelled)).code).toBe('cancelled');
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('library.status says how many predictions the active run has merged by URL, and how many other runs have', async () => {
    const { db } = core.context;
    const status = await core.call('library.status', {});
    const stored = db.prepare('SELECT COUNT(*) FROM url_predictions WHERE run_id = ?').pluck().get(run) as number;
    expect(stored).toBe(remote.size + 1);
    expect(status.url_predictions).toEqual({ run_id: run, urls: stored, other_runs: [] });
    // Another run becomes active (the newest finished one): its count, none; run's are its own,
    // and the status says how many qc export of the active run leaves out (the CLI's words:
    // format.test.ts): not dev[0]'s, whose image is here now (written as the image's row).
    const other = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const whileOther = await core.call('library.status', {});
    expect(whileOther.url_predictions).toEqual({ run_id: other, urls: 0, other_runs: [{ run_id: run, urls: remote.size }] });
    await core.call('ml.setActive', { runId: run });
    expect((await core.call('library.status', {})).url_predictions).toEqual({ run_id: run, urls: stored, other_runs: [] });
    db.prepare('DELETE FROM runs WHERE id = ?').run(other);
  });

  it('status names the active run as every other screen does (pinned, archived, none)', async () => {
    const { db } = core.context;
    const store = new RunStore(db);
    const a = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const b = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('failed', '{}', 'test')").run().lastInsertRowid);
    const seen: (number | null)[] = [];
    const check = async () => {
      const shown = (await core.call('library.status', {})).url_predictions.run_id;
      expect(shown).toBe(store.activeRunId());
      seen.push(shown);
    };
    store.setActive(run);
    await check();
    store.setActive(null);
    await check();
    db.prepare('UPDATE runs SET archived = 1 WHERE id = ?').run(a);
    await check();
    store.setActive(run);
    db.prepare('UPDATE runs SET archived = 1 WHERE id = ?').run(run); // a pinned run archived behind the store's back
    await check();
    db.prepare('UPDATE runs SET archived = 0 WHERE id IN (?, ?)').run(a, run);
    db.prepare('DELETE FROM runs WHERE id = ?').run(b);
    db.prepare('DELETE FROM runs WHERE id = ?').run(a);
    store.setActive(run);
    expect(seen).toEqual([run, a, run, null]);
  });
});
