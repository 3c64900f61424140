/**
 * The ML engine end to end on the real dev photos: import → embed (in the worker) → train →
 * evaluate → classify the dev bundle → tag TSVs parsed and checked; label issues find flipped labels;
 * the review API answers from the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import type { RunSummary } from '../../../src-shared/domain/ml';
import { ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';

const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

function readTsv(file: string): Record<string, string>[] {
  const [header = '', ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

describe('the ML engine on the dev set', () => {
  let core: Core;
  let dir: string;
  let run: RunSummary;

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    await core.call('library.import', { source: path.join(DEV_DIR, 'image_ratings.txt'), mirrors });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('embeds every image once, in the worker, and caches it', async () => {
    const progress: number[] = [];
    const first = await core.call('ml.embed', {}, { onProgress: (p) => progress.push(p.done) });
    expect(first).toMatchObject({ images: 567, embedded: 567, failed: 0, cached: 0, provider: 'cpu' });
    expect(progress.at(-1)).toBe(567);
    const db = core.context.db;
    const count = (extractor: string) => (db.prepare('SELECT COUNT(*) AS n FROM features WHERE extractor = ?').get(extractor) as { n: number }).n;
    expect(count('mobilenet_v2_nsfwjs/whole')).toBe(567);
    expect(count('mobilenet_v2_nsfwjs/crops')).toBe(567);
    expect(count('signals')).toBe(567);
    expect(count('defects_v1')).toBe(567);
    const dims = db.prepare('SELECT extractor, dim FROM features GROUP BY extractor').all() as { extractor: string; dim: number }[];
    expect(Object.fromEntries(dims.map((r) => [r.extractor, r.dim]))).toMatchObject({ 'mobilenet_v2_nsfwjs/whole': 1280, 'mobilenet_v2_nsfwjs/crops': 2560, defects_v1: 33 });
    expect((db.prepare('SELECT COUNT(*) AS n FROM images WHERE dhash IS NULL').get() as { n: number }).n).toBe(0);
    const again = await core.call('ml.embed', {});
    expect(again).toMatchObject({ embedded: 0, cached: 567, provider: 'cpu' });
  }, 240_000);

  it('trains a head that really learns, with stored epochs, splits and thresholds', async () => {
    const epochs: number[] = [];
    run = await core.call('ml.train', {}, { onProgress: (p) => p.phase === 'epochs' && epochs.push(p.done) });
    expect(run.status).toBe('done');
    expect(run.active).toBe(true);
    expect(['onnxruntime', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(run.backend);
    expect(run.metrics!.test_accuracy).toBeGreaterThan(0.8);
    expect(run.metrics!.test_auc).toBeGreaterThan(0.9);
    expect(epochs).toContain(run.params.epochs);
    const s = run.snapshot!;
    expect(s.train.good + s.train.bad + s.validation.good + s.validation.bad + s.test.good + s.test.bad).toBe(486);
    // Stratified: the test split holds 20 % ± 3 % of each class.
    expect(s.test.bad / 243).toBeGreaterThan(0.17);
    expect(s.test.bad / 243).toBeLessThan(0.23);
    const db = core.context.db;
    expect((db.prepare('SELECT COUNT(*) AS n FROM run_epochs WHERE run_id = ?').get(run.run_id) as { n: number }).n).toBe(run.params.epochs);
    expect((db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?').get(run.run_id) as { n: number }).n).toBe(567);
    // Near-duplicates never straddle splits: every group has one split.
    const straddling = db.prepare('SELECT group_id FROM splits GROUP BY group_id HAVING COUNT(DISTINCT split) > 1').all();
    expect(straddling).toEqual([]);
    // A recommended threshold, when there is one, keeps its promise on the data it was chosen on.
    const bad = run.thresholds!.bad;
    if (bad.threshold !== null) expect(bad.chosen_on!.error_upper).toBeLessThanOrEqual(0.05);
    else expect(bad.best_bound).not.toBeNull();
  }, 240_000);

  it('the same labels and seed give the same run', async () => {
    // Every open view hears the runs change: when the run starts, when it ends, when one is picked.
    const heard: EventMap['runs.changed'][] = [];
    const off = core.events.on('runs.changed', (p) => heard.push(p));
    const again = await core.call('ml.train', {});
    expect(heard).toEqual([{ active_run: run.run_id }, { active_run: run.run_id }]);
    expect(again.snapshot!.hash).toBe(run.snapshot!.hash);
    expect(again.metrics).toEqual(run.metrics);
    // No better on the shared held-out images, so it does not take over; the curator can pick it.
    expect((await core.call('ml.runs', {})).active).toBe(run.run_id);
    await core.call('ml.setActive', { runId: again.run_id });
    expect((await core.call('ml.runs', {})).active).toBe(again.run_id);
    await core.call('ml.setActive', { runId: run.run_id });
    expect((await core.call('ml.runs', {})).active).toBe(run.run_id);
    off();
    expect(heard.slice(2)).toEqual([{ active_run: again.run_id }, { active_run: run.run_id }]);
  }, 240_000);

  it('the review API pages, filters and scores from the active run', async () => {
    const scores = await core.call('review.scores', {});
    const index = new ThresholdSketch(scores.sketch);
    expect(index.size).toBe(567);
    // Held out: the out-of-fold images the run's thresholds were chosen on (486 labelled, less the test split).
    const testSplit = core.context.db.prepare("SELECT COUNT(*) FROM splits WHERE split = 'test'").pluck().get() as number;
    expect(testSplit).toBeGreaterThan(0);
    expect(index.heldoutSize).toBe(486 - testSplit);
    const t = 0.5;
    const page = await core.call('review.page', { predicted: 'bad', threshold: t, offset: 0, limit: 50, sort: 'confidence' });
    expect(page.total).toBe(index.flagged(t));
    expect(page.items).toHaveLength(50);
    expect(page.items.every((it) => it.p_bad! >= t)).toBe(true);
    expect(page.items.map((it) => it.p_bad)).toEqual([...page.items.map((it) => it.p_bad)].sort((a, b) => b! - a!));
    const fp = await core.call('review.page', { outcome: 'fp', threshold: t, offset: 0, limit: 1000 });
    expect(fp.items.every((it) => it.label === 'good' && it.p_bad! >= t)).toBe(true);
    const detail = await core.call('images.get', { imageId: page.items[0]!.image_id });
    expect(detail.sources[0]!.url).toMatch(/^https:\/\/content\.eol\.org/);
    expect(detail.signals).not.toBeNull();
    expect(detail.history.length).toBeGreaterThan(0);
    // Why flagged: the defect net's patches are a part of the attribution, and for most of the
    // images flagged most surely it names what it sees in words; for the surest good ones it does not.
    expect(detail.attribution!.parts.map((p) => p.name)).toContain('defect_patterns');
    const named = async (ids: number[]) => (await Promise.all(ids.map((id) => core.call('images.get', { imageId: id })))).filter((d) => d.reasons.some((r) => r.startsWith('defect net: looks like'))).length;
    expect(await named(page.items.slice(0, 20).map((it) => it.image_id))).toBeGreaterThanOrEqual(10);
    const surestGood = (await core.call('review.page', { label: 'good', sort: 'confidence', offset: 0, limit: 1000 })).items.filter((it) => it.p_bad !== null).slice(-20);
    expect(await named(surestGood.map((it) => it.image_id))).toBeLessThanOrEqual(5);
  });

  it('classifies the dev bundle into chunked tag TSVs with curator labels overriding the model', async () => {
    const scores = await core.call('review.scores', {});
    // A curator marks one image the model calls good as bad, and one it calls bad as good.
    const page = await core.call('review.page', { bundleId: undefined, sort: 'confidence', offset: 0, limit: 1000 });
    const likelyGood = page.items.filter((i) => i.p_bad !== null).at(-1)!;
    const likelyBad = page.items[0]!;
    await core.call('labels.set', { imageIds: [likelyGood.image_id], label: 'bad' });
    await core.call('labels.set', { imageIds: [likelyBad.image_id], label: 'good' });
    const out = path.join(dir, 'out');
    const r = await core.call('ml.classify', { source: path.join(DEV_DIR, 'bundle.txt'), mirrors, outDir: out, chunkRows: 200, threshold: 0.7 });
    expect(r.rows).toBe(486);
    expect(r.files.map((f) => path.basename(f))).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_c.tsv', 'bundle_finaltags.tsv']);
    const chunks = ['a', 'b', 'c'].map((c) => readTsv(path.join(out, `bundle_${c}.tsv`)));
    expect(chunks.map((c) => c.length)).toEqual([200, 200, 86]);
    const final = readTsv(path.join(out, 'bundle_finaltags.tsv'));
    expect(final).toHaveLength(486);
    expect(Object.keys(final[0]!)).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'imclass', 'confidence', 'source', 'p_bad']);
    // The rows keep the bundle's order and columns.
    const bundle = readTsv(path.join(DEV_DIR, 'bundle.txt'));
    expect(final.map((f) => f.identifier)).toEqual(bundle.map((b) => b.identifier));
    for (const row of final) {
      expect(['bad', 'NA']).toContain(row.imclass);
      if (row.source === 'model') expect(row.imclass === 'bad').toBe(Number(row.p_bad) >= 0.7);
      if (row.source === 'curator') expect(row.confidence).toBe('');
    }
    for (const row of chunks.flat()) expect(['good', 'bad']).toContain(row.imclass);
    const urlOf = async (id: number) => (await core.call('images.get', { imageId: id })).sources.find((s) => s.kind === 'ratings')!.url;
    const byUrl = new Map(final.map((f) => [f.eolMediaURL, f]));
    const good = byUrl.get(await urlOf(likelyGood.image_id));
    const bad = byUrl.get(await urlOf(likelyBad.image_id));
    if (good) expect(good).toMatchObject({ imclass: 'bad', source: 'curator' });
    if (bad) expect(bad).toMatchObject({ imclass: 'NA', source: 'curator' });
    expect(r.by_source.curator).toBe([good, bad].filter(Boolean).length);
    expect(scores.run_id).toBe(r.run_id);
  }, 120_000);

  it('confident learning ranks randomly flipped labels first', async () => {
    // Random label noise: flip 10 bad and 10 good labels picked by a fixed stride, then retrain.
    const pick = async (label: 'good' | 'bad') => (await core.call('review.page', { label, origin: 'import', sort: 'id', offset: 0, limit: 1000 })).items.filter((_, i) => i % 17 === 5).slice(0, 10).map((i) => i.image_id);
    const toGood = await pick('bad');
    const toBad = await pick('good');
    const flipped = [...toGood, ...toBad];
    await core.call('labels.set', { imageIds: toGood, label: 'good' });
    await core.call('labels.set', { imageIds: toBad, label: 'bad' });
    const retrained = await core.call('ml.train', {});
    const { issues, total } = await core.call('ml.labelIssues', { runId: retrained.run_id, limit: 1000 });
    const top = issues.slice(0, 20).map((i) => i.image_id);
    const precisionAt20 = top.filter((id) => flipped.includes(id)).length / 20;
    const recall = issues.filter((i) => flipped.includes(i.image_id)).length / flipped.length;
    console.log(`label issues: ${total} flagged; precision@20 ${precisionAt20}, recall of the 20 flipped ${recall}`);
    // Measured: precision@20 0.5–0.65, recall 0.55–0.75 (the dev set has genuinely ambiguous images too). Chance would put ~20/486 = 4 % of flipped images in the top 20.
    expect(precisionAt20).toBeGreaterThanOrEqual(0.4);
    expect(recall).toBeGreaterThanOrEqual(0.45);
    for (const i of issues.filter((x) => flipped.includes(x.image_id))) expect(i.given).toBe(toGood.includes(i.image_id) ? 'good' : 'bad');
  }, 240_000);
});
