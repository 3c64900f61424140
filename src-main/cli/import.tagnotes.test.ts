/**
 * What `qc import` of a tag file says besides its predictions, in text and in --json: the curator
 * rows it made curator labels (and those it kept as this library's own), the rows that repeat a
 * URL. A real process over a seeded library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, linesWriter } from '../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../test-support/seedLibrary';
import { runQc } from '../../test-support/qcProcess';

let dir: string;
let dataDir: string;
let runId: number;

const qc = (...args: string[]) => runQc(dataDir, ...args);

beforeAll(async () => {
  dir = tempDir('qc-cli-tagnotes-');
  const lib = seedLibrary({ images: 6, runs: 1, dataDir: path.join(dir, 'data') });
  dataDir = lib.dataDir;
  runId = lib.runId!;
  await lib.core.call('labels.set', { imageIds: [2], label: 'bad' });
  await lib.core.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qc import of a tag file: what it says besides the predictions', () => {
  const header = 'image_id\teolMediaURL\tlabel\tlabel_origin\timclass\tconfidence\tsource\tp_bad';

  it("curator rows: how many, how many became this library's curator labels, were so already, or conflicted", () => {
    const f = linesWriter(dir)('cur_finaltags.tsv', [
      header,
      `1\t${SEED_URL_PREFIX}1.jpg\tgood\tcurator\tNA\t\tcurator\t0.900000`,
      `2\t${SEED_URL_PREFIX}2.jpg\tgood\tcurator\tNA\t\tcurator\t0.900000`,
      `3\t${SEED_URL_PREFIX}3.jpg\t\t\tbad\t0.900000\tmodel\t0.900000`,
    ]);
    const text = qc('import', f);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[1]).toBe("  2 curator rows (a curator's label decided the tag): 1 made a curator's label here, 0 already so, 1 conflicting (this library's curator labelled it otherwise: kept) (one curator change: run qc undo on this library to take it back; the app's Undo does not)");
    const json = qc('import', f, '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).curator).toEqual({ rows: 2, labelled: 0, unchanged: 1, conflicts: 1, not_here: 0 });
  });

  it('a URL given twice: the rows that repeat one, and the first conflicting ones by file and line (a name with a line break escaped)', () => {
    const f = linesWriter(dir)('two\nlines_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://elsewhere.example/x.jpg\tgood\t0.800000', 'https://elsewhere.example/x.jpg\tbad\t0.990000']);
    const text = qc('import', f);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([
      `2 tag rows from 1 file into run ${runId}: 0 predictions of images here (0 of them kept as the run scored them out of fold), 2 by URL only (image not here), 0 without a prediction`,
      `  1 row repeats a URL of an earlier row of its file (the last row of a URL is stored), 1 with another prediction or label: ${JSON.stringify(f)}:3 (first at line 2)`,
    ]);
    expect(JSON.parse(qc('import', f, '--json').stdout).duplicate_urls).toEqual({ rows: 1, conflicting: 1, first: [{ file: f, line: 3, first_line: 2 }] });
  });
});
