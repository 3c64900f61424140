/**
 * `qc import FOLDER` of tag files merges every one of them, however many: a folder of more than
 * one call's MAX_TAG_FILES (a bundle classified in many shards and chunks) is merged in parts, and
 * a refused file names itself and what was merged before it. A real process over a seeded library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TAG_FILES } from '../../src-shared/contract/schemas';
import { tempDir } from '../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../test-support/seedLibrary';
import { runQc } from '../../test-support/qcProcess';

let dir: string;
let dataDir: string;
let runId: number;

const qc = (...args: string[]) => runQc(dataDir, ...args);

beforeAll(async () => {
  dir = tempDir('qc-cli-tags-');
  const lib = seedLibrary({ images: 10, runs: 1, dataDir: path.join(dir, 'data') });
  dataDir = lib.dataDir;
  runId = lib.runId!;
  await lib.core.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qc import of a folder of tag files', () => {
  const folder = () => path.join(dir, 'out');

  it(`merges a folder of more than ${MAX_TAG_FILES.toLocaleString('en')} tag files in parts and reports the totals`, () => {
    fs.mkdirSync(folder());
    const n = MAX_TAG_FILES + 1;
    for (let i = 0; i < n; i++) {
      // One image of the library (a prediction) in the last file; the others only by URL.
      const url = i === n - 1 ? `${SEED_URL_PREFIX}2.jpg` : `https://x.org/${i}.jpg`;
      fs.writeFileSync(path.join(folder(), `b.shard-${String(i).padStart(5, '0')}_a.tsv`), `eolMediaURL\timclass\tconfidence\n${url}\tbad\t0.9\n`);
    }
    const r = qc('import', folder(), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run_id: runId, files: n, rows: n, local: 1, remote: n - 1, skipped: 0 });
  }, 120_000);

  it('a refused file in a later part names itself and says which files were merged before it', () => {
    const bad = path.join(folder(), 'zz_a.tsv');
    fs.writeFileSync(bad, 'eolMediaURL\timclass\tconfidence\nhttps://x.org/z.jpg\tbad\t1.7\n');
    const r = qc('import', folder());
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}:2: confidence "1.7" is not a number in 0..1 (the first 10,000 of the 10,002 tag files, in name order, were merged into run ${runId}; files 10,001 on were not`);
    expect(r.stderr).not.toMatch(/files:/);
  }, 120_000);
});
