/**
 * The thresholds `qc train`, `qc run` and `qc runs` print are the run's stored values: typed back
 * into `--threshold` they tag exactly the images the run's own threshold tags (a real process on
 * a real library, trained for real).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../test-support/fixtures';
import { writeRatingsFile } from '../../test-support/image-server';
import { qcNodeArgs } from '../../test-support/qcProcess';
import type { RunDetail } from '../../src-shared/domain/ml';

let dir: string;

function qc(...args: string[]) {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', path.join(dir, 'data'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The rows of the tag files an export wrote, file by file. */
function tags(outDir: string): string[] {
  const rows: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tsv|txt|csv)$/.test(e.name)) rows.push(...fs.readFileSync(p, 'utf8').trim().split('\n'));
    }
  };
  walk(outDir);
  return rows;
}

describe('printed thresholds', () => {
  let trainText: string;

  beforeAll(() => {
    dir = tempDir('qc-thresholds-');
    const ratings = path.join(dir, 'ratings.txt');
    writeRatingsFile(ratings, devRatings().slice(0, 40));
    qc('import', ratings, '--mirror', `${DEV_URL_PREFIX}=${DEV_IMAGES}`);
    // A target error 40 photos can prove, so the run recommends a threshold for bad.
    trainText = qc('train', '--features', 'signals', '--hidden', '0', '--augment', '0', '--epochs', '5', '--target-error', '0.4');
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are the stored values, and typed back into --threshold tag the same images', () => {
    const run = JSON.parse(qc('run', '--json')) as RunDetail;
    const stored = run.thresholds?.bad.threshold;
    expect(stored, 'the run recommends a threshold for bad').toEqual(expect.any(Number));

    const recommended = (text: string) => /bad: recommended threshold p\(bad\) ≥ (\S+)/.exec(text)?.[1];
    const fromRuns = qc('runs')
      .split('\n')
      .find((l) => l.startsWith(`${run.run_id}*`))
      ?.split(/\s{2,}/)[6];
    const printed = [recommended(trainText), recommended(qc('run')), fromRuns];
    expect(printed.map(Number)).toEqual([stored, stored, stored]);

    const exact = JSON.parse(qc('export', '--out', path.join(dir, 'exact'), '--threshold', String(stored), '--json')) as { tagged_bad: number };
    const typed = JSON.parse(qc('export', '--out', path.join(dir, 'typed'), '--threshold', printed[1]!, '--json')) as { tagged_bad: number };
    expect(typed.tagged_bad).toBe(exact.tagged_bad);
    const rows = tags(path.join(dir, 'exact'));
    expect(rows.length).toBeGreaterThan(40);
    expect(tags(path.join(dir, 'typed'))).toEqual(rows);
  }, 60_000);

  it('qc threshold prints the threshold the way qc run does: auto gives the run\'s stored value, a curator\'s tiny one is not 1e-9', () => {
    const run = JSON.parse(qc('run', '--json')) as RunDetail;
    const printedByRun = /bad: recommended threshold p\(bad\) ≥ (\S+)/.exec(qc('run'))?.[1];
    expect(qc('threshold', 'auto')).toBe(`threshold for final tags of run ${run.run_id}: ${printedByRun} (the run's own, recommended)\n`);
    expect(Number(printedByRun)).toBe(run.thresholds?.bad.threshold);
    expect(qc('threshold', '0.000000001')).toBe(`threshold for final tags of run ${run.run_id}: 1.0e-9 (curator)\n`);
    expect(qc('threshold', '0.25')).toBe(`threshold for final tags of run ${run.run_id}: 0.250 (curator)\n`);
  }, 60_000);

  it('qc train counts the labels noise-robust training left out, which qc run lists', () => {
    const run = JSON.parse(qc('run', '--json')) as RunDetail;
    const noise = run.evaluation?.noise;
    expect(noise?.handling).toBe('prune');
    const n = noise!.pruned.length;
    expect(trainText).toContain(`\n  noise-robust: ${n} probably-wrong label${n === 1 ? '' : 's'} left out of the final fit${n ? ` (qc run ${run.run_id} lists them)` : ''}\n`);
    // qc run lists them, and says they are not Label issues' list (its own pass: concepts audit 3).
    const listed = qc('run');
    for (const p of noise!.pruned.slice(0, 50)) expect(listed).toContain(`    image ${p.image_id}: labelled ${p.given}`);
    if (n) expect(listed).toContain('(by the first out-of-fold pass; Label issues, qc issues, ranks labels in a repeated pass of its own, so its list can differ)');
  }, 60_000);
});
