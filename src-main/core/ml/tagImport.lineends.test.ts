/**
 * A tag file saved with classic Mac line ends (a lone CR, no LF) reads as one line: its header
 * would hold every row and the merge store none. It is refused as input lists refuse it, naming the
 * file, and nothing is stored; the same rows with CRLF or LF line ends are merged. Real SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { tempDir } from '../../../test-support/fixtures';
import { openDatabase } from '../db/open';
import { LONE_CR_REFUSAL } from '../library/parse';
import { importTagFiles } from './tagImport';

describe('importTagFiles and line ends', () => {
  const dir = tempDir('qc-tag-cr-');
  const db = openDatabase(path.join(dir, 'library.db'));
  db.prepare("INSERT INTO runs (id, status, params, backbone) VALUES (7, 'done', '{}', 'b')").run();
  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const stored = () => db.prepare('SELECT url, p_bad FROM url_predictions ORDER BY url').all() as { url: string; p_bad: number }[];
  const FILES = {
    'cr_finaltags.tsv': ['eolMediaURL\tidentifier\timclass\tconfidence\tsource\tp_bad', 'https://x.org/1.jpg\t1\tbad\t0.9\tmodel\t0.9', 'https://x.org/2.jpg\t2\tgood\t0.8\tmodel\t0.2'],
    'cr_a.tsv': ['eolMediaURL\tidentifier\timclass\tconfidence', 'https://x.org/1.jpg\t1\tbad\t0.9', 'https://x.org/2.jpg\t2\tgood\t0.8'],
  };

  for (const [name, lines] of Object.entries(FILES)) {
    it(`${name}: lone CR line ends are refused with the input lists' words, nothing stored`, async () => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, lines.join('\r') + '\r');
      const e = await importTagFiles(db, [f], 7).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(QcError);
      expect(e).toMatchObject({ code: 'bad_input', message: `${f}:1: ${LONE_CR_REFUSAL}` });
      expect(stored()).toEqual([]);
    });
  }

  it('the same files with CRLF and LF line ends are merged', async () => {
    for (const [eol, [name, lines]] of [['\r\n', Object.entries(FILES)[0]!], ['\n', Object.entries(FILES)[1]!]] as const) {
      const f = path.join(dir, `ok-${name}`);
      fs.writeFileSync(f, lines.join(eol) + eol);
      expect(await importTagFiles(db, [f], 7)).toMatchObject({ files: 1, rows: 2, remote: 2 });
    }
    expect(stored().map((r) => [r.url, Math.round(r.p_bad * 10) / 10])).toEqual([
      ['https://x.org/1.jpg', 0.9],
      ['https://x.org/2.jpg', 0.2],
    ]);
  });
});
