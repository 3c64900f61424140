import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { tempDir, linesWriter } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import type { EventMap } from '../../../src-shared/contract/events';
import { openDatabase } from '../db/open';
import { MAX_INPUT_BYTES } from '../library/importer';
import { importTagFiles, isTagHeader } from './tagImport';
import { libraryStatus, unfinishedTagMerges } from '../library/status';
import { exportLibrary } from '../export/tags';
import { finalTag } from '../../../src-shared/domain/tags';

describe('importTagFiles', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'library.db'));
  db.prepare("INSERT INTO runs (id, status, params, backbone) VALUES (7, 'done', '{}', 'b')").run();
  for (const i of [1, 2]) {
    db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(i, `sha${i}`);
    db.prepare('INSERT INTO image_urls (url, image_id) VALUES (?, ?)').run(`https://x.org/${i}.jpg`, i);
  }
  const write = linesWriter(dir);

  it('stores p(bad) of local images as predictions and of the others by URL, from chunk and final-tags files', async () => {
    const chunk = write('b_a.tsv', [
      'eolMediaURL\tidentifier\timclass\tconfidence',
      'https://x.org/1.jpg\t1\tbad\t0.900000',
      'https://x.org/3.jpg\t3\tgood\t0.750000',
      'https://x.org/4.jpg\t4\tNA\t',
    ]);
    const final = write('c_finaltags.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence\tsource\tp_bad', 'https://x.org/2.jpg\t2\tbad\t0.6\tmodel\t0.600000', 'https://x.org/5.jpg\t5\t\t\tnone\t']);
    const r = await importTagFiles(db, [chunk, final], 7);
    expect(r).toEqual({ run_id: 7, files: 2, rows: 5, local: 2, heldout_kept: 0, remote: 1, skipped: 2 });
    expect(db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = 7 ORDER BY image_id').all()).toEqual([
      { image_id: 1, p_bad: 0.9 },
      { image_id: 2, p_bad: 0.6 },
    ]);
    expect(db.prepare('SELECT url, p_bad, origin FROM url_predictions').all()).toEqual([{ url: 'https://x.org/3.jpg', p_bad: 0.25, origin: chunk }]);
    // Importing again updates, never duplicates.
    await importTagFiles(db, [chunk], 7);
    expect((db.prepare('SELECT COUNT(*) AS n FROM url_predictions').get() as { n: number }).n).toBe(1);
  });

  it('stores a merged p(bad) as every score is stored, to 6 decimals: Review and the exports compare the same number (concepts audit 1)', async () => {
    // "good 0.900000" is 1 − 0.9 = 0.09999999999999998 unrounded: Review (raw) did not flag it at a
    // threshold of 0.1 while an export (rounded, tags.ts finalTag) tagged it bad.
    const good = write('round_a.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence', 'https://x.org/1.jpg\t1\tgood\t0.900000', 'https://x.org/r.jpg\tr\tgood\t0.700000']);
    const final = write('round_finaltags.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence\tsource\tp_bad', 'https://x.org/2.jpg\t2\tbad\t0.3\tmodel\t0.30000000000000004']);
    await importTagFiles(db, [good, final], 7);
    const local = db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = 7 AND image_id IN (1, 2) ORDER BY image_id').all() as { image_id: number; p_bad: number }[];
    expect(local).toEqual([
      { image_id: 1, p_bad: 0.1 },
      { image_id: 2, p_bad: 0.3 },
    ]);
    expect(db.prepare("SELECT p_bad FROM url_predictions WHERE run_id = 7 AND url = 'https://x.org/r.jpg'").pluck().get()).toBe(0.3);
    expect(finalTag({ origin: 'import', label: null, pBad: local[0]!.p_bad }, 0.1).imclass).toBe('bad');
    expect(local[0]!.p_bad >= 0.1).toBe(true);
  });

  it("keeps what a merged row says of the image (identifier, dataObjectVersionID, ancestry, as written before tsvCell's escape), and an empty cell keeps what an earlier file said", async () => {
    const url = 'https://x.org/ids.jpg';
    const ancestry = '{"kingdom":{"name":"Animalia"}}';
    // A final-tags file as an export writes it: a formula-like identifier escaped with a leading '.
    const full = write('ids_finaltags.tsv', [
      'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\timclass\tconfidence\tsource\tp_bad',
      `${url}\t'=9000053\t31337\t${ancestry}\tbad\t0.157315\tmodel\t0.157315`,
    ]);
    expect(await importTagFiles(db, [full], 7)).toMatchObject({ remote: 1 });
    const stored = () => db.prepare('SELECT p_bad, identifier, data_object_version_id, ancestry FROM url_predictions WHERE run_id = 7 AND url = ?').get(url);
    expect(stored()).toEqual({ p_bad: 0.157315, identifier: '=9000053', data_object_version_id: '31337', ancestry });
    // A later chunk file without those columns, or with them empty: the new score, the same ids.
    const bare = write('ids_a.tsv', ['eolMediaURL\timclass\tconfidence', `${url}\tbad\t0.700000`]);
    const empty = write('ids_b.tsv', ['eolMediaURL\tidentifier\tancestry\timclass\tconfidence', `${url}\t\t\tbad\t0.800000`]);
    await importTagFiles(db, [bare], 7);
    expect(stored()).toEqual({ p_bad: 0.7, identifier: '=9000053', data_object_version_id: '31337', ancestry });
    await importTagFiles(db, [empty], 7);
    expect(stored()).toEqual({ p_bad: 0.8, identifier: '=9000053', data_object_version_id: '31337', ancestry });
    // A new identifier replaces the old one.
    const renamed = write('ids_c.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence', `${url}\t42\tgood\t0.900000`]);
    await importTagFiles(db, [renamed], 7);
    expect(stored()).toMatchObject({ identifier: '42', data_object_version_id: '31337' });
    db.prepare('DELETE FROM url_predictions WHERE url = ?').run(url); // as the other tests expect
  });

  it('reads a tag file saved with every cell quoted (a spreadsheet, pandas QUOTE_ALL) as the plain one', async () => {
    const quoted = write('q_a.tsv', ['"eolMediaURL"\t"identifier"\t"imclass"\t"confidence"', '"https://x.org/1.jpg"\t"1"\t"bad"\t"0.800000"', '"https://x.org/6.jpg"\t"6"\t"good"\t"0.700000"']);
    expect(await importTagFiles(db, [quoted], 7)).toMatchObject({ files: 1, rows: 2, local: 1, remote: 1 });
    expect(db.prepare('SELECT p_bad FROM predictions WHERE run_id = 7 AND image_id = 1').pluck().get()).toBe(0.8);
    expect(db.prepare("SELECT p_bad FROM url_predictions WHERE url = 'https://x.org/6.jpg'").pluck().get()).toBeCloseTo(0.3, 6);
  });

  it("never overwrites a score the run made out of fold (its evaluation rests on it), and says how many it kept", async () => {
    db.prepare('UPDATE predictions SET p_bad = 0.123, heldout = 1 WHERE run_id = 7 AND image_id = 1').run();
    const f = write('h_a.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence', 'https://x.org/1.jpg\t1\tbad\t0.990000', 'https://x.org/2.jpg\t2\tbad\t0.700000']);
    const r = await importTagFiles(db, [f], 7);
    expect(r).toMatchObject({ local: 2, heldout_kept: 1 });
    expect(db.prepare('SELECT image_id, p_bad, heldout FROM predictions WHERE run_id = 7 ORDER BY image_id').all()).toEqual([
      { image_id: 1, p_bad: 0.123, heldout: 1 },
      { image_id: 2, p_bad: 0.7, heldout: 0 },
    ]);
    db.prepare('UPDATE predictions SET heldout = 0 WHERE run_id = 7').run(); // as the other tests expect
  });

  it('refuses a file that is not a tag file, a bad number (with file and line), and an unknown run', async () => {
    expect(isTagHeader('eolMediaURL\tidentifier')).toBe(false);
    const notTags = write('plain.tsv', ['eolMediaURL\tidentifier', 'https://x.org/1.jpg\t1']);
    await expect(importTagFiles(db, [notTags], 7)).rejects.toThrow(`${notTags}:1: not a tag file`);
    const bad = write('bad_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://x.org/1.jpg\tbad\t0.9', 'https://x.org/2.jpg\tbad\t1.7']);
    await expect(importTagFiles(db, [bad], 7)).rejects.toThrow(`${bad}:3: confidence "1.7" is not a number in 0..1`);
    await expect(importTagFiles(db, [bad], 99)).rejects.toThrow(/no run with id 99/);
    // Number() would read these as 1 (or 0): a tag file writes decimals, so they are refused too.
    for (const odd of ['0x1', '0b1', '0o1', 'Infinity', '1_0', '']) {
      const f = write('odd_a.tsv', ['eolMediaURL\timclass\tconfidence', `https://x.org/1.jpg\tbad\t${odd}`]);
      await expect(importTagFiles(db, [f], 7)).rejects.toThrow(`${f}:2: confidence "${odd}" is not a number in 0..1`);
    }
    // What Python, R and spreadsheets write is read.
    for (const ok of ['1', '0.5', '.25', '5e-1', ' 0.75 ', '1.0']) {
      const f = write('ok_a.tsv', ['eolMediaURL\timclass\tconfidence', `https://x.org/1.jpg\tbad\t${ok}`]);
      await expect(importTagFiles(db, [f], 7)).resolves.toBeTruthy();
    }
  });

  it("refuses a row whose eolMediaURL an import would refuse (a formula, not a URL, a tab or a line break in it), with file:line and reason, before anything is merged (audit L3)", async () => {
    const predictions = () => db.prepare('SELECT run_id, image_id, p_bad, heldout FROM predictions ORDER BY run_id, image_id').all();
    const byUrl = () => db.prepare('SELECT run_id, url, p_bad, origin FROM url_predictions ORDER BY url').all();
    const before = { predictions: predictions(), byUrl: byUrl() };
    const cases: [cell: string, reason: RegExp][] = [
      ['=HYPERLINK("https://t.test/x")', /eolMediaURL is not an http\(s\) URL: =HYPERLINK/],
      ["'=HYPERLINK(\"\"https://t.test/x\"\")", /eolMediaURL is not an http\(s\) URL/],
      ['not a url at all', /eolMediaURL is not an http\(s\) URL: not a url at all/],
      ['"https://t.test/a\tb.jpg"', /eolMediaURL contains a tab/],
      ['https://t.test/a\u2028b.jpg', /eolMediaURL contains a line separator \(U\+2028\)/],
      ['https://t.test/a\rb.jpg', /eolMediaURL contains a CR/],
    ];
    for (const [cell, reason] of cases) {
      // A good row first: the refusal comes in the first pass, so it is not merged either.
      const f = write('nonurl_finaltags.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence\tsource\tp_bad', 'https://x.org/1.jpg\t1\tbad\t0.1\tmodel\t0.100000', `${cell}\tf1\tbad\t0.9\tmodel\t0.900000`]);
      const e = await importTagFiles(db, [f], 7).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, cell).toBeInstanceOf(QcError);
      expect((e as QcError).code).toBe('bad_input');
      expect((e as QcError).message.startsWith(`${f}:3: `), (e as QcError).message).toBe(true);
      expect((e as QcError).message).toMatch(reason);
      expect({ predictions: predictions(), byUrl: byUrl() }).toEqual(before);
    }
    // URLs an import takes are merged as before: http(s), and a folder import's file: URL.
    const ok = write('urls_finaltags.tsv', ['eolMediaURL\timclass\tconfidence\tsource\tp_bad', 'HTTPS://t.test/ok.jpg\tbad\t0.9\tmodel\t0.900000', 'file:///pics/a%20b.jpg\tbad\t0.9\tmodel\t0.900000']);
    expect(await importTagFiles(db, [ok], 7)).toMatchObject({ rows: 2, remote: 2 });
    db.prepare('DELETE FROM url_predictions WHERE origin = ?').run(ok); // as the other tests expect
  });

  it('refuses a line over 1 MB with its file:line, without a crash, and reads CRLF files as before', async () => {
    const noBreak = path.join(dir, 'nobreak_a.tsv');
    fs.writeFileSync(noBreak, 'x'.repeat(5 * 1024 * 1024)); // 5 MB, not one line break
    await expect(importTagFiles(db, [noBreak], 7)).rejects.toThrow(`${noBreak}:1: line is 5.0 MB long (limit 1 MB)`);
    const midway = write('long_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://x.org/1.jpg\tbad\t0.8', `https://x.org/9.jpg\tbad\t0.5${'y'.repeat(2 * 1024 * 1024)}`]);
    await expect(importTagFiles(db, [midway], 7)).rejects.toThrow(`${midway}:3: line is 2.0 MB long (limit 1 MB)`);
    const crlf = path.join(dir, 'crlf_a.tsv');
    fs.writeFileSync(crlf, '\uFEFFeolMediaURL\timclass\tconfidence\r\nhttps://x.org/1.jpg\tbad\t0.7\r\n');
    expect(await importTagFiles(db, [crlf], 7)).toMatchObject({ files: 1, rows: 1, local: 1 });
    expect(db.prepare('SELECT p_bad FROM predictions WHERE run_id = 7 AND image_id = 1').get()).toEqual({ p_bad: 0.7 });
  });

  it('cancelled while writing: what was merged stays and the answer counts it, marked cancelled; imported again, the rest follows', async () => {
    db.prepare('INSERT INTO runs (id, status, params, backbone) VALUES (8, \'done\', \'{}\', \'b\')').run();
    const n = 12_000; // more rows than two committed batches (5,000)
    const big = write('big_a.tsv', ['eolMediaURL\timclass\tconfidence', ...Array.from({ length: n }, (_, i) => `https://y.org/${i}.jpg\tbad\t0.800000`)]);
    const stored = () => db.prepare('SELECT COUNT(*) FROM url_predictions WHERE run_id = 8').pluck().get() as number;
    const ac = new AbortController();
    // Cancel once the first batch is committed (the import yields between batches).
    const watch = (async () => {
      while (!ac.signal.aborted) {
        await new Promise((r) => setImmediate(r));
        if (stored() > 0) ac.abort();
      }
    })();
    const r = await importTagFiles(db, [big], 8, ac.signal);
    await watch;
    expect(r.cancelled).toBe(true);
    expect(r.remote).toBe(stored());
    expect(r.remote).toBeGreaterThan(0);
    expect(r.remote).toBeLessThan(n);
    // The partial merge is on record (migration 029): the status and an export of the run say so.
    const onRecord = [{ run_id: 8, files: 1, first_file: big, started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }];
    expect(unfinishedTagMerges(db, 8)).toEqual(onRecord);
    expect(unfinishedTagMerges(db, 7)).toEqual([]);
    expect(libraryStatus(db, dir).unfinished_tag_merges).toEqual(onRecord);
    expect((await exportLibrary(db, { runId: 8, threshold: 0.5, outDir: path.join(dir, 'partial') })).unfinished_tag_merges).toEqual(onRecord);
    expect((await exportLibrary(db, { runId: 7, threshold: 0.5, outDir: path.join(dir, 'whole') })).unfinished_tag_merges).toBeUndefined();
    // Cancelled before anything was written (the first pass only reads): nothing merged, a cancel error.
    const early = new AbortController();
    early.abort();
    await expect(importTagFiles(db, [big], 8, early.signal)).rejects.toMatchObject({ name: 'AbortError' });
    const again = await importTagFiles(db, [big], 8);
    expect(again.cancelled).toBeUndefined();
    expect(stored()).toBe(n);
    // Merged whole: off the record.
    expect(unfinishedTagMerges(db)).toEqual([]);
    expect(libraryStatus(db, dir).unfinished_tag_merges).toBeUndefined();
  });

  it('a refused call changes nothing: a bad row after a full batch, or in a later file, leaves every prediction as it was', async () => {
    const predictions = () => db.prepare('SELECT run_id, image_id, p_bad, heldout FROM predictions ORDER BY run_id, image_id').all();
    const byUrl = () => db.prepare('SELECT run_id, url, p_bad, origin FROM url_predictions ORDER BY url').all();
    const before = { predictions: predictions(), byUrl: byUrl() };
    expect(before.predictions).not.toEqual([]);
    // More good rows than one committed batch (5,000), image 1 first, then a bad number at line 5,003.
    const rows = Array.from({ length: 5001 }, (_, i) => `https://x.org/${i + 1}.jpg\tbad\t0.990000`);
    const late = write('late_a.tsv', ['eolMediaURL\timclass\tconfidence', ...rows, 'https://x.org/last.jpg\tbad\t1.7']);
    await expect(importTagFiles(db, [late], 7)).rejects.toThrow(`${late}:5003: confidence "1.7" is not a number in 0..1`);
    expect({ predictions: predictions(), byUrl: byUrl() }).toEqual(before);
    // A good file followed by a refused one: the good one is not written either.
    const good = write('good_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://x.org/1.jpg\tgood\t0.990000', 'https://x.org/new.jpg\tbad\t0.5']);
    const notTags = write('second.tsv', ['eolMediaURL\tidentifier', 'https://x.org/2.jpg\t2']);
    await expect(importTagFiles(db, [good, notTags], 7)).rejects.toThrow(`${notTags}:1: not a tag file`);
    expect({ predictions: predictions(), byUrl: byUrl() }).toEqual(before);
    // Refused before writing: nothing merged, so no merge on record either.
    expect(unfinishedTagMerges(db)).toEqual([]);
    // The same rows without the bad one are all written, across batches.
    const fine = write('fine_a.tsv', ['eolMediaURL\timclass\tconfidence', ...rows]);
    expect(await importTagFiles(db, [fine], 7)).toMatchObject({ files: 1, rows: 5001, local: 2, remote: 4999 });
    expect(db.prepare('SELECT p_bad FROM predictions WHERE run_id = 7 AND image_id = 1').get()).toEqual({ p_bad: 0.99 });
    db.prepare("DELETE FROM url_predictions WHERE origin = ?").run(fine); // as the other tests expect
  });

  it.skipIf(!fs.existsSync('/proc/self/mem'))('refuses a file that looks regular but cannot be read (/proc/self/mem) as bad input, naming it', async () => {
    await expect(importTagFiles(db, ['/proc/self/mem'], 7)).rejects.toMatchObject({ code: 'bad_input', file: '/proc/self/mem', message: expect.stringMatching(/cannot read the file \(E/) });
  });

  it('refuses by its size a tag file over the input limit (sparse, no line break) and one that is not a regular file', async () => {
    const big = path.join(dir, 'big_finaltags.tsv');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 1024 ** 3); // 1 GB that takes no disk
    const e = await importTagFiles(db, [big], 7).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(QcError);
    expect(e).toMatchObject({ code: 'bad_input', file: big, message: `the file has ${1024 ** 3} bytes, over the limit of ${MAX_INPUT_BYTES} bytes` });
    await expect(importTagFiles(db, [dir], 7)).rejects.toThrow(/a folder, not a regular file/);
    if (fs.existsSync('/dev/zero')) await expect(importTagFiles(db, ['/dev/zero'], 7)).rejects.toThrow(/a device, not a regular file/);
  });
});

describe('ml.importTags through the core', () => {
  it('tells every open view (library.changed) that the run\'s predictions changed', async () => {
    const lib = seedLibrary({ images: 10, runs: 1 });
    const dir = tempDir();
    try {
      const heard: EventMap['library.changed'][] = [];
      lib.core.events.on('library.changed', (p) => heard.push(p));
      const f = path.join(dir, 'b_a.tsv');
      fs.writeFileSync(f, `eolMediaURL\timclass\tconfidence\n${SEED_URL_PREFIX}1.jpg\tbad\t0.987000\n`);
      const heldout = lib.image(1)!.heldout;
      const r = await lib.core.call('ml.importTags', { files: [f] });
      expect(r).toMatchObject({ run_id: lib.runId, files: 1, local: 1, heldout_kept: heldout ? 1 : 0 });
      expect(heard).toEqual([{ reason: 'tags' }]);
    } finally {
      await lib.core.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(lib.dataDir, { recursive: true, force: true });
    }
  });
});
