/** The seed's files from the command line: N best runs with a verdict, graphs, archive, training folders, model export. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../test-support/fixtures';
import { runQc } from '../../test-support/qcProcess';
import { createCore } from '../core/app';

let dir: string;
let dataDir: string;
const runIds: number[] = [];

const qc = (...args: string[]) => runQc(dataDir, ...args);

function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

describe('qc runs --best, run --graphs, archive, export-training, export-model', () => {
  beforeAll(async () => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
    const core = createCore({ dataDir, ml: 'in-process' });
    try {
      const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
      const ratings = path.join(dir, 'ratings.txt');
      fs.writeFileSync(ratings, `${lines.slice(0, 71).join('\n')}\n`, 'latin1');
      await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
      for (const p of [{ hidden: 8, epochs: 3 }, { hidden: 16, epochs: 6 }, { hidden: 32, epochs: 12, l2: 0 }, { hidden: 8, epochs: 6, seed: 3 }]) {
        runIds.push((await core.call('ml.train', { features: ['whole'], ...p })).run_id);
      }
    } finally {
      await core.close();
    }
  }, 240_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ranks the 3 best runs by held-out AUC, each with an over-fitting verdict in words', () => {
    const best = json<{ runs: { run_id: number; rank: number; metrics: { test_auc: number }; fit: { verdict: string; reason: string } }[] }>(qc('runs', '--best', '3', '--json'));
    expect(best.runs.map((r) => r.rank)).toEqual([1, 2, 3]);
    const aucs = best.runs.map((r) => r.metrics.test_auc);
    expect([...aucs].sort((a, b) => b - a)).toEqual(aucs);
    for (const r of best.runs) {
      expect(runIds).toContain(r.run_id);
      expect(['good fit', 'overfitting', 'underfitting', 'unknown']).toContain(r.fit.verdict);
      expect(r.fit.reason.length).toBeGreaterThan(10);
    }
    const human = qc('runs', '--best', '3');
    expect(human.stdout.trim().split('\n')).toHaveLength(3);
    expect(human.stdout).toMatch(/^ 1\. run \d+/);
  }, 60_000);

  it('every finished run has its train graphs in the library', () => {
    for (const id of runIds) {
      const g = path.join(dataDir, 'runs', String(id), 'train_graphs');
      expect(fs.readdirSync(g).sort()).toEqual([`run-${id}-accuracy.png`, `run-${id}-accuracy.svg`, `run-${id}-loss.png`, `run-${id}-loss.svg`]);
    }
  });

  it('writes SVG and PNG graphs of a run', () => {
    const out = path.join(dir, 'graphs');
    const r = json<{ run_id: number; files: string[]; fit: { verdict: string } }>(qc('run', String(runIds[2]), '--graphs', out, '--json'));
    expect(r.run_id).toBe(runIds[2]);
    expect(fs.readdirSync(out).sort()).toEqual([`run-${runIds[2]}-accuracy.png`, `run-${runIds[2]}-accuracy.svg`, `run-${runIds[2]}-loss.png`, `run-${runIds[2]}-loss.svg`]);
    const svg = fs.readFileSync(path.join(out, `run-${runIds[2]}-loss.svg`), 'utf8');
    // One point per epoch on the training curve.
    expect(svg.match(/fill="#1f6feb"/g)!.length).toBe(12);
  }, 60_000);

  it('keeps the 2 best and archives the rest (hidden, not deleted), and restores them', () => {
    const best = json<{ runs: { run_id: number }[]; archived: number[] }>(qc('runs', '--best', '2', '--archive-rest', '--json'));
    expect(best.archived.length).toBeGreaterThanOrEqual(1);
    const visible = json<{ runs: { run_id: number }[] }>(qc('runs', '--json')).runs.map((r) => r.run_id);
    for (const id of best.archived) expect(visible).not.toContain(id);
    for (const r of best.runs) expect(visible).toContain(r.run_id);
    expect(json<{ runs: unknown[] }>(qc('runs', '--all', '--json')).runs).toHaveLength(4);
    const restored = json<{ changed: number[] }>(qc('archive', ...best.archived.map(String), '--restore', '--json'));
    expect(restored.changed.sort()).toEqual([...best.archived].sort());
    expect(json<{ runs: unknown[] }>(qc('runs', '--json')).runs).toHaveLength(4);
    // Bad input is one clear line, no stack.
    const bad = qc('runs', '--best', 'abc');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('exports the training folders and the active model', () => {
    const out = path.join(dir, 'training');
    const t = json<{ by_class: Record<string, number>; agg: { bad: number; good: number } }>(qc('export-training', out, '--sample', '10', '--json'));
    expect(Object.values(t.by_class).reduce((a, b) => a + b, 0)).toBe(70);
    expect(fs.readFileSync(path.join(out, 'one_download_10.txt'), 'utf8').trim().split('\n').length).toBeLessThanOrEqual(10);
    const m = json<{ model: string; extra_inputs: string[] }>(qc('export-model', 'active', path.join(dir, 'model'), '--json'));
    expect(fs.statSync(m.model).size).toBeGreaterThan(1e6);
    expect(fs.readdirSync(path.join(dir, 'model', 'train_graphs')).filter((f) => f.endsWith('.svg'))).toHaveLength(2);
    expect(m.extra_inputs).toEqual([]);
  }, 60_000);
});
