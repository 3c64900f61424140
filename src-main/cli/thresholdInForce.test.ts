/**
 * `qc run` and `qc runs` say which threshold `qc export` applies (runs.ts `thresholdInForce`) and
 * where it comes from, in text and JSON: after `qc threshold 0.7` it is the curator's 0.7, not the
 * run's recommendation (a real `qc` process on a real seeded library).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';
import { seedLibrary } from '../../test-support/seedLibrary';
import type { ExportSummary, RunDetail, RunSummary } from '../../src-shared/domain/ml';
import { formatThreshold } from '../../src-shared/domain/threshold';

let dataDir: string;
let outRoot: string;

function qc(...args: string[]): string {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** What `qc export` applies to the active run, from the export itself. */
function exported(name: string): ExportSummary['in_force'] {
  const r = JSON.parse(qc('export', '--out', path.join(outRoot, name), '--json')) as Record<string, unknown>;
  // One shape everywhere: `in_force: { threshold, source }` as qc run gives it, no flat keys beside it.
  expect(r).not.toHaveProperty('threshold');
  expect(r).not.toHaveProperty('threshold_source');
  return (r as unknown as ExportSummary).in_force;
}

/** The row of `qc runs` for run `id`. */
function runsRow(id: number): string {
  const row = qc('runs')
    .split('\n')
    .find((l) => new RegExp(`^${id}\\*?a?\\s`).test(l));
  expect(row, `qc runs lists run ${id}`).toBeDefined();
  return row!;
}

describe('the threshold in force in qc run and qc runs', () => {
  beforeAll(async () => {
    // A run that recommends 0.6 (a seeded run's own evaluation may recommend none).
    const lib = seedLibrary({ images: 300, runs: 1, recommended: 0.6 });
    dataDir = lib.dataDir;
    await lib.core.close();
    outRoot = tempDir('qc-in-force-');
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(outRoot, { recursive: true, force: true });
  });

  it('is the recommendation until a curator sets one, then the curator\'s, in text and JSON, and is what qc export applies', () => {
    const before = JSON.parse(qc('run', '--json')) as RunDetail;
    const recommended = before.recommended_threshold.bad;
    expect(recommended, 'the seeded run recommends a threshold').toEqual(expect.any(Number));
    expect(before.curator_threshold).toBeNull();
    expect(before.in_force).toEqual({ threshold: recommended, source: 'recommended' });
    expect(exported('before')).toEqual(before.in_force);
    expect(qc('run')).toContain(`\n  exports use p(bad) ≥ ${formatThreshold(recommended!)} (recommended)`);
    expect(runsRow(before.run_id)).toContain(` ${formatThreshold(recommended!)} recommended `);

    qc('threshold', '0.7');
    const after = JSON.parse(qc('run', '--json')) as RunDetail;
    expect(after.curator_threshold).toBe(0.7);
    expect(after.in_force).toEqual({ threshold: 0.7, source: 'curator' });
    expect(after.recommended_threshold.bad).toBe(recommended);
    expect(exported('after')).toEqual(after.in_force);
    expect(qc('run')).toContain(`\n  exports use p(bad) ≥ 0.700 (curator's; recommended ${formatThreshold(recommended!)})`);
    expect(runsRow(after.run_id)).toContain(' 0.700 curator ');
    const listed = (JSON.parse(qc('runs', '--json')) as { runs: RunSummary[] }).runs.find((r) => r.run_id === after.run_id);
    expect(listed).toMatchObject({ curator_threshold: 0.7, in_force: { threshold: 0.7, source: 'curator' } });

    qc('threshold', 'auto');
    expect((JSON.parse(qc('run', '--json')) as RunDetail).in_force).toEqual({ threshold: recommended, source: 'recommended' });
  }, 120_000);
});

describe('qc use and qc threshold: a curator threshold belongs to its run', () => {
  let two: string;
  const qcOn = (...args: string[]) => {
    const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', two, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  beforeAll(async () => {
    const lib = seedLibrary({ images: 300, runs: 2 });
    two = lib.dataDir;
    await lib.core.close();
  });
  afterAll(() => fs.rmSync(two, { recursive: true, force: true }));

  it('qc threshold names the run; qc use says what exports now use and where the curator threshold stayed', () => {
    const { active, runs } = JSON.parse(qcOn('runs', '--json')) as { active: number; runs: RunSummary[] };
    const other = runs.find((r) => r.run_id !== active)!.run_id;
    expect(qcOn('threshold', '0.7')).toBe(`threshold for final tags of run ${active}: 0.700 (curator)\n`);

    const target = JSON.parse(qcOn('run', String(other), '--json')) as RunDetail;
    expect(target.in_force, 'the other run has its own threshold in force').toBeTruthy();
    const f = target.in_force!;
    expect(f.source).not.toBe('curator');
    const text = qcOn('use', String(other));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`active run: ${other}`);
    expect(lines[1]).toMatch(new RegExp(`^exports now use p\\(bad\\) ≥ ${formatThreshold(f.threshold).replace('.', '\\.')} \\(`));
    expect(lines[1]).toMatch(new RegExp(`; your 0\\.700 stays with run ${active}: qc threshold 0\\.700 applies it here$`));
    // What qc use says is what qc export then applies.
    expect(exportedFrom(two, 'after-use')).toEqual(f);

    // Back to the run that has the curator's threshold: exports use it, nothing was left behind.
    const back = JSON.parse(qcOn('use', String(active), '--json')) as { active: number; in_force: unknown };
    expect(back).toEqual({ active, in_force: { threshold: 0.7, source: 'curator' } });
    qcOn('use', String(other));
    expect(qcOn('use', String(active))).toMatch(/^active run: \d+\nexports now use p\(bad\) ≥ 0\.700 \(curator's; [^)]*\)\n$/);
  }, 120_000);

  it("qc runs' coverage column is the out-of-fold coverage at the recommended threshold", () => {
    const { runs } = JSON.parse(qcOn('runs', '--json')) as { runs: RunSummary[] };
    const lines = qcOn('runs').split('\n');
    const at = lines[0]!.indexOf('oof cover');
    expect(at).toBeGreaterThan(0);
    for (const r of runs) {
      const row = lines.find((l) => new RegExp(`^${r.run_id}\\*?a?\\s`).test(l))!;
      const t = r.thresholds!.bad;
      const want = t.threshold === null ? '—' : `${(t.chosen_on!.coverage * 100).toFixed(1)}%`;
      expect(row.slice(at).split(/\s+/)[0], `run ${r.run_id}`).toBe(want);
    }
  }, 60_000);
});

/** The threshold `qc export` applied on library `data`. */
function exportedFrom(data: string, name: string): ExportSummary['in_force'] {
  const out = tempDir('qc-in-force-use-');
  try {
    const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', data, 'export', '--out', path.join(out, name), '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as ExportSummary).in_force;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
