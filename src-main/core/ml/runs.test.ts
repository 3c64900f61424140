// The one threshold in force: the slider (review.scores), the gallery filter (review.page),
// `qc export` (export.tags) and `qc classify` (ml.classify) agree in every fallback case,
// on a seeded library through the real core's handlers.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThresholdSource } from '../../../src-shared/domain/ml';
import { sketchGrid, ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary, SEED_URL_PREFIX, type SeededLibrary, type SeedOptions } from '../../../test-support/seedLibrary';
import { chooseThreshold, RunStore } from './runs';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

function readTsv(file: string): Record<string, string>[] {
  const [header = '', ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

/** Every image id the gallery lists under `predicted: bad` (all pages). */
async function galleryBad(l: SeededLibrary, threshold?: number): Promise<Set<number>> {
  const r = await l.core.call('review.page', { predicted: 'bad', offset: 0, limit: 1000, ...(threshold !== undefined && { threshold }) });
  expect(r.items.length).toBe(r.total);
  return new Set(r.items.map((i) => i.image_id));
}

const CASES: { name: ThresholdSource; seed: SeedOptions; given?: number; expected: number | 'recommended' }[] = [
  // A threshold the slider can set: a step of its grid (p ≈ 0.368).
  { name: 'argument', seed: { curator: 0.42 }, given: sketchGrid()[382]!, expected: sketchGrid()[382]! },
  { name: 'curator', seed: { curator: 0.42, recommended: 0.61 }, expected: 0.42 },
  { name: 'recommended', seed: { recommended: 0.61, bestBound: 0.9 }, expected: 0.61 },
  { name: 'best-bound', seed: { recommended: null, bestBound: 0.83 }, expected: 0.83 },
  { name: 'default', seed: { recommended: null, bestBound: null }, expected: 0.5 },
];

describe('the threshold in force', () => {
  it.each(CASES)('$name: slider, gallery, qc export and qc classify use the same threshold and flag the same images', async ({ name, seed, given, expected }) => {
    lib = seedLibrary({ images: 240, ...seed });
    const l = lib;
    // Two curator labels: they decide their own tags, whatever the threshold.
    const [c1, c2] = [l.images[3]!, l.images[4]!];
    await l.core.call('labels.set', { imageIds: [c1.id], label: 'bad' });
    await l.core.call('labels.set', { imageIds: [c2.id], label: 'good' });
    const curatorIds = new Set([c1.id, c2.id]);

    // The slider: what review.scores says is in force, and the images at or above it.
    const scores = await l.core.call('review.scores', {});
    const inForce = given ?? scores.in_force.threshold;
    if (given === undefined) expect(scores.in_force).toEqual({ threshold: expected, source: name });
    const sketch = new ThresholdSketch(scores.sketch);
    expect(sketch.exact(inForce)).toBe(true);
    const sliderCount = sketch.flagged(inForce);

    // The gallery filter.
    const gallery = await galleryBad(l, given);
    expect(gallery.size).toBe(sliderCount);
    const modelBad = new Set([...gallery].filter((id) => !curatorIds.has(id)));
    expect(gallery.size).toBeGreaterThan(0);
    expect(gallery.size).toBeLessThan(l.images.length);

    // qc export: the model's bad tags are exactly the gallery's flagged images (curator labels aside).
    const out = tempDir();
    const exp = await l.core.call('export.tags', { outDir: out, ...(given !== undefined && { threshold: given }) });
    expect(exp.in_force).toEqual({ threshold: expected, source: name });
    const rows = readTsv(path.join(out, 'library_finaltags.tsv'));
    const exportedBad = new Set(rows.filter((r) => r.source === 'model' && r.imclass === 'bad').map((r) => Number(r.image_id)));
    expect(exportedBad).toEqual(modelBad);
    expect(rows.find((r) => Number(r.image_id) === c1.id)).toMatchObject({ imclass: 'bad', source: 'curator' });
    expect(rows.find((r) => Number(r.image_id) === c2.id)).toMatchObject({ imclass: 'NA', source: 'curator' });

    // qc classify on a bundle of 80 library images (already stored: no download, no scoring).
    const bundleImages = l.images.slice(0, 80);
    const bundle = path.join(tempDir(), 'seedbundle.tsv');
    fs.writeFileSync(bundle, `eolMediaURL\tidentifier\n${bundleImages.map((im, i) => `${SEED_URL_PREFIX}${l.images.indexOf(im) + 1}.jpg\tb${i}`).join('\n')}\n`);
    const classifyOut = tempDir();
    const cls = await l.core.call('ml.classify', { source: bundle, outDir: classifyOut, ...(given !== undefined && { threshold: given }) });
    expect({ in_force: cls.in_force, scored: cls.scored }).toEqual({ in_force: { threshold: expected, source: name }, scored: 0 });
    const finals = readTsv(path.join(classifyOut, 'seedbundle_finaltags.tsv'));
    expect(finals).toHaveLength(80);
    const byUrl = new Map(l.images.map((im, i) => [`${SEED_URL_PREFIX}${i + 1}.jpg`, im.id]));
    const classifiedBad = new Set(finals.filter((r) => r.source === 'model' && r.imclass === 'bad').map((r) => byUrl.get(r.eolMediaURL!)!));
    expect(classifiedBad).toEqual(new Set(bundleImages.map((im) => im.id).filter((id) => modelBad.has(id))));
  });

  it('without a run: a threshold is refused (no run would use it), the gallery uses 0.5; scores, export and classify say no model yet', async () => {
    lib = seedLibrary({ images: 30, trained: false });
    const runs = new RunStore(lib.core.context.db);
    expect(runs.thresholdInForce(null)).toEqual({ threshold: 0.5, source: 'default' });
    await expect(lib.core.call('ml.setThreshold', { threshold: 0.3 })).rejects.toMatchObject({ code: 'bad_input', message: "There is no run yet: a threshold is chosen on a run's scores. Train first." });
    expect(() => runs.setCuratorThreshold(0.3)).toThrow(/There is no run yet/);
    expect(runs.curatorThreshold()).toBeNull();
    expect(runs.thresholdInForce(null)).toEqual({ threshold: 0.5, source: 'default' });
    // Clearing ("auto": the run's recommendation) is refused too.
    await expect(lib.core.call('ml.setThreshold', { threshold: null })).rejects.toMatchObject({ code: 'bad_input', message: "There is no run yet: a threshold is chosen on a run's scores. Train first." });
    for (const call of [() => lib!.core.call('review.scores', {}), () => lib!.core.call('export.tags', { outDir: tempDir() })]) {
      await expect(call()).rejects.toMatchObject({ code: 'not_found', message: 'no trained model yet: train a model first' });
    }
    const page = await lib.core.call('review.page', { offset: 0, limit: 10 });
    expect(page.total).toBe(30);
  });

  it('with every finished run archived: a threshold is refused, saying to restore a run; an active run takes it as its own', async () => {
    lib = seedLibrary({ images: 30 });
    const runs = new RunStore(lib.core.context.db);
    lib.core.context.db.prepare('UPDATE runs SET archived = 1').run();
    expect(runs.activeRunId()).toBeNull();
    await expect(lib.core.call('ml.setThreshold', { threshold: 0.3 })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/^There is no active run .*Restore a run or train first\.$/) });
    lib.core.context.db.prepare('UPDATE runs SET archived = 0').run();
    expect(await lib.core.call('ml.setThreshold', { threshold: 0.3 })).toEqual({ threshold: 0.3, previous: null, in_force: { threshold: 0.3, source: 'curator' }, active_run: lib.runId });
    expect(runs.runThresholds(lib.runId!).curator).toBe(0.3);
  });

  it('the fallback chain, pure: given → curator → recommended → best bound → 0.5, and a given threshold outside 0..1 is refused', () => {
    const none = { curator: null, recommended: null, bestBound: null };
    expect(chooseThreshold({ ...none, given: 0.2, curator: 0.3 })).toEqual({ threshold: 0.2, source: 'argument' });
    expect(chooseThreshold({ ...none, curator: 0, recommended: 0.4 })).toEqual({ threshold: 0, source: 'curator' });
    expect(chooseThreshold({ ...none, recommended: 0.4, bestBound: 0.8 })).toEqual({ threshold: 0.4, source: 'recommended' });
    expect(chooseThreshold({ ...none, bestBound: 0.8 })).toEqual({ threshold: 0.8, source: 'best-bound' });
    expect(chooseThreshold(none)).toEqual({ threshold: 0.5, source: 'default' });
    expect(() => chooseThreshold({ ...none, given: 1.5 })).toThrow(/threshold must be in 0\.\.1/);
  });

  it("review.scores carries the run's point estimate with its error bar, never in force by itself, and the slider is exact there", async () => {
    lib = seedLibrary({ images: 400, recommended: 0.61 });
    const scores = await lib.core.call('review.scores', {});
    const run = await lib.core.call('ml.run', {});
    const want = run.thresholds!.bad.estimate!;
    expect(want).toBeTruthy();
    expect(scores.estimate).toEqual({ threshold: want.threshold, error: want.error, error_interval: want.errorInterval, coverage: want.coverage, flagged: want.flagged });
    expect(scores.estimate!.error_interval[0]).toBeLessThanOrEqual(scores.estimate!.error);
    expect(scores.estimate!.error_interval[1]).toBeGreaterThanOrEqual(scores.estimate!.error);
    expect(scores.target_error).toBe(run.thresholds!.bad.target_error);
    // A view to choose: the recommendation stays in force.
    expect(scores.in_force).toEqual({ threshold: 0.61, source: 'recommended' });
    const sketch = new ThresholdSketch(scores.sketch);
    expect(sketch.exact(want.threshold)).toBe(true);
    expect(sketch.flagged(want.threshold)).toBe((await galleryBad(lib, want.threshold)).size);
    // The slider words its thresholds for the run's own target error.
    lib.core.context.db.prepare("UPDATE runs SET evaluation = json_set(evaluation, '$.thresholds.bad.target_error', 0.1) WHERE id = ?").run(lib.runId);
    expect((await lib.core.call('review.scores', {})).target_error).toBe(0.1);
    // A run from before the estimate existed has none.
    lib.core.context.db.prepare("UPDATE runs SET evaluation = json_remove(evaluation, '$.thresholds.bad.estimate') WHERE id = ?").run(lib.runId);
    expect((await lib.core.call('review.scores', {})).estimate).toBeNull();
  });

  it('requireRun: one error for no model, a clear one for an unknown or unfinished run', async () => {
    lib = seedLibrary({ images: 20 });
    const runs = new RunStore(lib.core.context.db);
    expect(runs.requireRun()).toBe(lib.runId);
    expect(() => runs.requireRun(999)).toThrow(/no run with id 999/);
    const running = runs.create(lib.run()!.params);
    expect(() => runs.requireRun(running)).toThrow(/did not finish/);
    expect(runs.requireRun(running, { finished: false })).toBe(running);
    expect(runs.activeRunId()).toBe(lib.runId);
  });
});

describe("a curator's threshold belongs to the run it was chosen on", () => {
  it('making another run active puts that run\'s own threshold in force (slider, gallery and export agree); back on the first, its curator threshold again; auto clears only the active run\'s', async () => {
    lib = seedLibrary({ images: 240, runs: 2 });
    const l = lib;
    const store = new RunStore(l.core.context.db);
    const [a, b] = (await l.core.call('ml.runs', {})).runs.map((r) => r.run_id) as [number, number];
    /** What review.scores, the gallery and qc export each say is in force, and that they flag alike. */
    const everywhere = async () => {
      const scores = await l.core.call('review.scores', {});
      const gallery = await l.core.call('review.page', { predicted: 'bad', offset: 0, limit: 1 });
      const exp = await l.core.call('export.tags', { outDir: tempDir() });
      expect(gallery.threshold).toBe(scores.in_force.threshold);
      expect(exp.in_force).toEqual(scores.in_force);
      expect(gallery.total).toBe(new ThresholdSketch(scores.sketch).flagged(scores.in_force.threshold));
      return { run: scores.run_id, curator: scores.curator, ...scores.in_force };
    };
    // Run B proves a threshold of its own.
    l.core.context.db.prepare("UPDATE runs SET evaluation = json_set(evaluation, '$.thresholds.bad.threshold', 0.61) WHERE id = ?").run(b);
    const own = (runId: number) => chooseThreshold({ ...store.runThresholds(runId), curator: null });
    expect(own(b)).toEqual({ threshold: 0.61, source: 'recommended' });
    expect(own(a).threshold).not.toBe(own(b).threshold);

    // On run A the curator chooses a threshold of their own.
    await l.core.call('ml.setActive', { runId: a });
    const t = sketchGrid()[900]!;
    expect(await l.core.call('ml.setThreshold', { threshold: t })).toEqual({ threshold: t, previous: null, in_force: { threshold: t, source: 'curator' }, active_run: a });
    expect(await everywhere()).toEqual({ run: a, curator: t, threshold: t, source: 'curator' });
    // Run B active: B's own recommendation, not A's curator threshold on B's scale.
    await l.core.call('ml.setActive', { runId: b });
    expect(await everywhere()).toEqual({ run: b, curator: null, ...own(b) });
    expect(store.thresholdInForce(a)).toEqual({ threshold: t, source: 'curator' });
    // A curator threshold on B, then back on A: A's again.
    await l.core.call('ml.setThreshold', { threshold: 0.97 });
    await l.core.call('ml.setActive', { runId: a });
    expect(await everywhere()).toEqual({ run: a, curator: t, threshold: t, source: 'curator' });
    // "auto" clears A's only.
    expect(await l.core.call('ml.setThreshold', { threshold: null })).toEqual({ threshold: null, previous: t, in_force: own(a), active_run: a });
    expect(await everywhere()).toEqual({ run: a, curator: null, ...own(a) });
    expect(store.thresholdInForce(b)).toEqual({ threshold: 0.97, source: 'curator' });
    // Exporting run B while A is active uses B's own.
    const exp = await l.core.call('export.tags', { outDir: tempDir(), runId: b });
    expect(exp.in_force).toEqual({ threshold: 0.97, source: 'curator' });
  });
});

describe('archived runs are never the active run', () => {
  it('refuses to pick an archived run, to archive a run still training, and leaves an archived run out of the newest-run fallback and of activation', async () => {
    lib = seedLibrary({ images: 60, runs: 3 });
    const { core } = lib;
    const store = new RunStore(core.context.db);
    const [r1, r2, r3] = (await core.call('ml.runs', {})).runs.map((r) => r.run_id) as [number, number, number];
    expect(store.activeRunId()).toBe(r3);
    // Pin run 1, archive run 3: with nothing pinned the newest *unarchived* run is active.
    store.setActive(r1);
    expect(store.setArchived([r3, r3, r3], true)).toEqual([r3]); // an id named again counts once
    store.setActive(null);
    expect(store.activeRunId()).toBe(r2);
    // An archived run cannot be picked; restored, it can.
    expect(() => store.setActive(r3)).toThrow(/run \d+ is archived; restore it/);
    expect(store.activeRunId()).toBe(r2);
    store.setArchived([r3], false);
    expect(store.setActive(r3)).toBe(r3);
    // A run still training cannot be archived.
    const training = store.create({ ...(await core.call('ml.run', { runId: r3 })).params });
    expect(() => store.setArchived([training], true)).toThrow(/still training/);
    expect(store.isArchived(training)).toBe(false);
    store.fail(training, 'cancelled', 'cancelled', 0);
    // One that did not finish is never to be made active, archived or not: said so, not "restore it".
    expect(() => store.setActive(training)).toThrow(`run ${training} did not finish (cancelled): only a finished run can be made active`);
    store.setArchived([training], true);
    expect(() => store.setActive(training)).toThrow(`run ${training} did not finish (cancelled): only a finished run can be made active`);
    store.setArchived([training], false);
    // A run archived by the time it finished is not activated, even as the only other choice.
    store.setActive(r1);
    store.setArchived([r2, r3], true);
    const late = store.create({ ...(await core.call('ml.run', { runId: r1 })).params });
    core.context.db.prepare("UPDATE runs SET status = 'done', archived = 1 WHERE id = ?").run(late);
    expect(store.activateIfBetter(late)).toMatchObject({ active: r1, activated: false, reason: expect.stringMatching(/archived while it trained/) });
    expect(store.activeRunId()).toBe(r1);
  });
});

describe('putPredictions', () => {
  it('storing scores again (two scorers of the same images) keeps the gallery counts equal to the rows', () => {
    lib = seedLibrary({ images: 30 });
    const { db } = lib.core.context;
    const runs = new RunStore(db);
    const runId = lib.runId!;
    const counted = () => db.prepare('SELECT COALESCE(SUM(n), 0) FROM prediction_counts WHERE run_id = ?').pluck().get(runId) as number;
    const rows = () => db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(runId) as number;
    expect(counted()).toBe(rows());
    const again = lib.images.map((i) => ({ imageId: i.id, pBad: 0.25, heldout: false }));
    runs.putPredictions(runId, again);
    runs.putPredictions(runId, again);
    expect(rows()).toBe(lib.images.length);
    expect(counted()).toBe(rows());
    // Per label and origin too, as the gallery reads them.
    const byGroup = db.prepare("SELECT COALESCE(label, 'none') AS label, COALESCE(origin, 'none') AS origin, COUNT(*) AS n FROM predictions WHERE run_id = ? GROUP BY 1, 2 ORDER BY 1, 2").all(runId);
    expect(db.prepare('SELECT label, origin, n FROM prediction_counts WHERE run_id = ? AND n != 0 ORDER BY 1, 2').all(runId)).toEqual(byGroup);
    expect(db.prepare('SELECT DISTINCT p_bad FROM predictions WHERE run_id = ?').pluck().all(runId)).toEqual([0.25]);
  });
});
