/**
 * A tag file saved in UTF-16 with a byte order mark (a `qc classify` output opened in Excel and
 * saved as "Unicode Text", which writes UTF-16LE; UTF-16BE too) is told a tag file as the same file
 * in UTF-8 is (tagFilesAt, alone and in a folder), and its rows merge into the run (ml.importTags,
 * `qc import`): the sniffing and the merge decode it as input lists are decoded. Real files, a
 * seeded library, a real `qc` process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { tagFilesAt } from './importer';

const HEADER = 'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\timclass\tconfidence';

/** Text as UTF-16 with its byte order mark, as Excel's "Unicode Text" (LE) or a BE writer saves it. */
function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return endian === 'le' ? le : Buffer.from(le).swap16();
}

describe('a UTF-16 tag file', () => {
  const dir = tempDir('qc-tagfiles-utf16-');
  const lib = seedLibrary({ images: 20, runs: 1, dataDir: path.join(dir, 'data') });
  const db = lib.core.context.db;
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const pBad = (imageId: number) => (db.prepare('SELECT p_bad FROM predictions WHERE run_id = ? AND image_id = ?').get(lib.runId, imageId) as { p_bad: number }).p_bad;
  const write = (name: string, bytes: Buffer) => {
    const f = path.join(dir, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, bytes);
    return f;
  };

  it('is told a tag file, alone and in a folder, in UTF-16LE and UTF-16BE', () => {
    const text = `${HEADER}\r\n${SEED_URL_PREFIX}1.jpg\t1\t11\t\tbad\t0.75\r\n`;
    const le = write('excel/bundle_a.tsv', utf16(text, 'le'));
    const be = write('excel/bundle_b.tsv', utf16(text, 'be'));
    expect(tagFilesAt(le)).toEqual([le]);
    expect(tagFilesAt(be)).toEqual([be]);
    expect(tagFilesAt(path.dirname(le))).toEqual([le, be]);
    // Saved by Excel as "Unicode Text" under its .txt name, in a folder: told by its header too.
    const txt = write('excel-txt/bundle_a.txt', utf16(text, 'le'));
    expect(tagFilesAt(path.dirname(txt))).toEqual([txt]);
  });

  it('merges its rows into the run (accented cells and all)', async () => {
    const f = write('excel2/bundle_a.tsv', utf16(`${HEADER}\r\n${SEED_URL_PREFIX}2.jpg\t2\t12\tAves Pássaros\tbad\t0.625\r\n${SEED_URL_PREFIX}3.jpg\t3\t13\t\tgood\t0.875\r\nhttps://x.org/élan.jpg\t4\t14\t\tbad\t0.5\r\n`, 'le'));
    const r = await lib.core.call('ml.importTags', { files: [f], runId: lib.runId! });
    expect(r).toMatchObject({ files: 1, rows: 3, local: 2, remote: 1 });
    // Each library image's p(bad) is the file's (a held-out score of the run's own is kept).
    for (const [n, p] of [[2, 0.625], [3, 0.125]] as const) {
      const { image_id } = db.prepare('SELECT image_id FROM image_urls WHERE url = ?').get(`${SEED_URL_PREFIX}${n}.jpg`) as { image_id: number };
      const heldout = (db.prepare('SELECT heldout FROM predictions WHERE run_id = ? AND image_id = ?').get(lib.runId, image_id) as { heldout: number }).heldout;
      if (!heldout) expect(pBad(image_id)).toBeCloseTo(p);
    }
    expect(db.prepare('SELECT p_bad FROM url_predictions WHERE run_id = ? AND url = ?').get(lib.runId, 'https://x.org/élan.jpg')).toEqual({ p_bad: 0.5 });
  });

  it('qc import merges it (it is not refused as a tag file given as an input)', async () => {
    const f = write('excel3/bundle_finaltags.tsv', utf16(`${HEADER}\r\n${SEED_URL_PREFIX}4.jpg\t4\t14\t\tbad\t0.25\r\n`, 'le'));
    await lib.core.close();
    const r = spawnSync(process.execPath, ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', lib.dataDir, 'import', f, '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run_id: lib.runId, files: 1, rows: 1, local: 1 });
  }, 60_000);
});
