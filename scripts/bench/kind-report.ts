/**
 * `npm run report:ml -- --leave-kind-out`: does the model catch defect kinds it was never shown, and
 * does it leave benign edits alone? On the dev set, with splits by source photo:
 *
 * 1. A quarter of the source photos (seeded) are held out: all their images lose their labels, so no
 *    run trains on them, and benign edits of their good images (distort/: greyscale, mild sharpening,
 *    JPEG 70–90, resize, white balance, low/high key; saved as JPEG q90) are imported unlabelled.
 * 2. Baseline runs with and without augmentation (--augment N, default 4): AUC, coverage and
 *    precision on the held-out photos at the recommended threshold, benign edits flagged.
 * 3. For each real defect kind of truth.tsv: its bad images lose their labels (held-out photos or
 *    not) and the synthetic distortions that model it are left out of augmentation
 *    (KIND_FAMILIES); recall on that kind's bad images at the run's recommended threshold (the
 *    lowest-bound one when nothing is proven) and at the point-estimate threshold, plus the benign
 *    edits flagged. Their source photos' other versions may be in training; the kind is not.
 *    With the `defects` features the net behind them has seen every kind's synthetic stand-ins (it is
 *    trained once, outside the run), so step 3 overstates for those runs; the report says so.
 * 2b. The 45 drawings and paintings of ../shared/datasets/drawings, imported unlabelled: the share
 *    each baseline flags at its recommended threshold ("not a photograph" is not a defect).
 * 4. Per-kind recall of the augmented baseline on the held-out photos (real labelled images whose
 *    kind is known), and the benign edits it flags per kind of edit (also summed over the
 *    leave-one-kind-out runs).
 *
 * Options: --augment 4 (0: every run without synthetic copies), --seed 1, --holdout 0.25, --kinds gblur,motion (a subset), --data DIR (a library
 * kept between runs: import and embedding happen once), --skip-baselines (with --data, after a run
 * that made them), --baselines-only (stop after the baselines), --keep, --params JSON (extra ml.train parameters for every run, e.g.
 * '{"distance":false}' to compare without the distance-from-good block), --no-groups (train as a plain
 * `qc train` does, without the source photos as groups: on a library whose splits a grouped run
 * stored, delete them first, or they are kept), --groups-file FILE:COLUMN (other explicit groups, a
 * TSV with an `id` column of EOL ids), --models DIR (another models folder, with a new --data or
 * none: e.g. the defect net retrained without the kind's stand-ins, `defect-net-gpu.py lko:KIND`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createCore, defaultModelsDir, type Core } from '../../src-main/core/app';
import { defectNetCard } from '../../src-main/core/ml/features/defectNet';
import { decodeRgb } from '../../src-main/core/ml/backbone/preprocess';
import { BENIGN_KINDS, benignEdit } from '../../src-main/core/ml/distort';
import { mulberry32 } from '../../src-shared/domain/random';
import { DEFAULT_TRAIN_PARAMS, type RunSummary } from '../../src-shared/domain/ml';
import { rocAuc, type BinaryLabel } from '../../src-shared/domain/metrics';
import { argValue, type DevTruth, intArg, readDevTruth, repoRoot } from './fixtures';
import { benignEditFile, keptSplitMismatch, parseBenignEditFile } from './keptLibrary';

/**
 * The benign edits the issue names (greyscale, mild sharpening, JPEG 70–90, resize, white balance,
 * low/high key): every benign kind but `line_art`, which draws a photo as ink on paper to show the
 * head pictures that are not photographs. It is a training device, not an edit a curator makes to
 * a photo; the drawings are counted on their own.
 */
const EDIT_KINDS = BENIGN_KINDS.filter((k) => k !== 'line_art');

const DEV = path.resolve(repoRoot, '../shared/datasets/quality-dev');
/** 45 drawings and paintings ("not a photograph"): imported unlabelled; none is a damaged photo, so each one flagged is a false alarm. */
const DRAWINGS = path.resolve(repoRoot, '../shared/datasets/drawings');

/**
 * The synthetic kinds that model each real dev defect: leaving a kind out removes all of them, so a
 * leave-one-out run has seen neither the real kind nor its closest synthetic stand-ins.
 */
export const KIND_FAMILIES: Record<string, string[]> = {
  gblur: ['gaussian_blur', 'lens_blur'],
  motion: ['motion_blur', 'camera_shake', 'shake_noise'],
  noise: ['white_noise', 'white_noise_color', 'multiplicative_noise', 'impulse_noise', 'shake_noise', 'dark_noise', 'denoise'],
  jpeg: ['jpeg', 'jpeg2000'],
  over: ['brighten', 'mean_shift'],
  under: ['darken', 'dark_noise', 'mean_shift'],
  haze: ['contrast_change', 'color_saturation_1'],
  tiny: ['down_up', 'pixelate'],
};

type Truth = DevTruth;

const pct = (x: number | null) => (x === null || Number.isNaN(x) ? '  —  ' : `${(100 * x).toFixed(0)}%`);

function threshold(r: RunSummary): { t: number; how: string } {
  const b = r.thresholds?.bad;
  if (b?.threshold !== null && b?.threshold !== undefined) return { t: b.threshold, how: 'proven' };
  if (b?.best_bound) return { t: b.best_bound.threshold, how: 'lowest bound' };
  return { t: 0.5, how: '0.5' };
}

/** The point-estimate threshold of a run (threshold.ts): estimated precision ≥ 1 - target. */
function pointThreshold(r: RunSummary): number | null {
  const b = r.thresholds?.bad as (NonNullable<RunSummary['thresholds']>['bad'] & { estimate?: { threshold: number | null } }) | undefined;
  return b?.estimate?.threshold ?? null;
}

function predictions(core: Core, runId: number): Map<number, number> {
  const rows = core.context.db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = ?').all(runId) as { image_id: number; p_bad: number }[];
  return new Map(rows.map((r) => [r.image_id, r.p_bad]));
}

export async function leaveKindOutReport(argv: string[]): Promise<void> {
  const augment = intArg(argv, 'augment', 4, 0); // 0: the leave-one-kind-out runs without synthetic copies
  const seed = intArg(argv, 'seed', 1);
  const holdout = Number(argValue(argv, 'holdout') ?? 0.25);
  const extraParams = JSON.parse(argValue(argv, 'params') ?? '{}') as Record<string, unknown>;
  const started = performance.now();
  // --data DIR: a library folder kept between runs (import and embedding happen once).
  const given = argValue(argv, 'data');
  const dataDir = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'qc-kind-report-'));
  const reuse = Boolean(given && fs.existsSync(path.join(dataDir, 'benign-edits')));
  if (given) fs.mkdirSync(dataDir, { recursive: true });
  // --models DIR: another models folder (e.g. a defect net retrained without a kind). Features are
  // cached by their set's version, not by the weights, so it needs a library of its own.
  const models = argValue(argv, 'models');
  if (models && reuse) throw new Error(`--models: ${dataDir} holds features of another models folder; give a new --data folder`);
  const modelsDir = models ? path.resolve(models) : defaultModelsDir();
  const core = createCore({ dataDir, modelsDir });
  try {
    const truth = readDevTruth();
    const sources = [...new Set(truth.map((t) => t.source))].sort();
    const rng = mulberry32(seed);
    const held = new Set(sources.filter(() => rng() < holdout));

    const heldGoodTruth = truth.filter((t) => t.label === 'good' && held.has(t.source));

    const benignDir = path.join(dataDir, 'benign-edits');
    if (reuse) {
      const why = keptSplitMismatch(fs.readdirSync(benignDir), new Set(heldGoodTruth.map((t) => t.id)), `--seed ${seed} --holdout ${holdout}`);
      if (why) throw new Error(`${dataDir}: ${why}`);
    }
    if (!reuse) await core.call('library.import', { source: path.join(DEV, 'image_ratings.txt'), mirrors: [{ prefix: 'https://content.eol.org/data/media/qc/', dir: path.join(DEV, 'images') }] });
    // Benign edits of the held-out good images, as unlabelled files.
    if (!reuse) fs.mkdirSync(benignDir);
    let k = 0;
    for (const t of reuse ? [] : heldGoodTruth) {
      const img = await decodeRgb(path.join(DEV, 'images', `${t.id}.jpg`));
      for (let c = 0; c < 2; c++) {
        const kind = EDIT_KINDS[k++ % EDIT_KINDS.length]!;
        const out = benignEdit(img, { kind, seed: seed * 1000 + k });
        await sharp(out.data, { raw: { width: out.width, height: out.height, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(benignDir, benignEditFile(t.id, kind)));
      }
    }
    if (!reuse) await core.call('library.import', { source: benignDir });
    // Idempotent: a kept library from before this step gets them now, one that has them imports nothing.
    if (fs.existsSync(DRAWINGS)) await core.call('library.import', { source: DRAWINGS });
    const { db } = core.context;
    const idOf = new Map(
      (db.prepare('SELECT u.image_id, s.eol_id FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.eol_id IS NOT NULL').all() as { image_id: number; eol_id: string }[]).map((r) => [r.eol_id, r.image_id]),
    );
    // A library made before line_art left the edits has some: they are not counted.
    const benignRows = (db.prepare("SELECT u.image_id, s.url FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.url LIKE '%benign-edits%'").all() as { image_id: number; url: string }[]).filter(
      (r) => EDIT_KINDS.includes(parseBenignEditFile(path.basename(r.url))?.kind ?? ''),
    );
    const benignIds = benignRows.map((r) => r.image_id);
    const drawingIds = (db.prepare("SELECT u.image_id FROM image_urls u WHERE u.url LIKE '%/datasets/drawings/%'").all() as { image_id: number }[]).map((r) => r.image_id);
    // The edit's kind is in its file name (<id>-<kind>.jpg).
    const benignKindOf = new Map(benignRows.map((r) => [r.image_id, parseBenignEditFile(path.basename(r.url))?.kind ?? '?']));
    const benignTally = new Map<string, { flagged: number; total: number }>();
    const tallyBenign = (p: Map<number, number>, t: number, into = benignTally) => {
      for (const id of benignIds) {
        const kind = benignKindOf.get(id)!;
        const e = into.get(kind) ?? { flagged: 0, total: 0 };
        e.total++;
        if ((p.get(id) ?? 0) >= t) e.flagged++;
        into.set(kind, e);
      }
      return into;
    };
    const benignLine = (m: Map<string, { flagged: number; total: number }>) =>
      [...m].sort(([a], [b]) => a.localeCompare(b)).map(([kind, e]) => `${kind} ${e.flagged}/${e.total}`).join(', ');
    const rowsOf = (pick: (t: Truth) => boolean) => truth.filter(pick).map((t) => ({ ...t, imageId: idOf.get(t.id) })).filter((t): t is Truth & { imageId: number } => t.imageId !== undefined);
    const heldRows = rowsOf((t) => held.has(t.source));
    await core.call('labels.set', { imageIds: heldRows.map((r) => r.imageId), label: null });
    const e = await core.call('ml.embed', {});
    console.log(
      `dev set: ${truth.length} images from ${sources.length} source photos; held out ${held.size} photos (${heldRows.length} images) and ${benignIds.length} benign edits of their good images; ${drawingIds.length} drawings (unlabelled); embedded in ${e.seconds.toFixed(1)} s (${e.provider})`,
    );
    // Splits and folds keep each source photo's versions together, as a curator who knows them
    // would (`qc train --groups truth.tsv:source_file`). `--no-groups` trains as a plain `qc train`
    // does: the library's own near-duplicate detection, which does not join a photo's distorted crops.
    const groupsFile = argValue(argv, 'groups-file')?.split(':');
    const groups = argv.includes('--no-groups') ? undefined : groupsFile ? { file: groupsFile[0]!, groupColumn: groupsFile[1] ?? 'group' } : { file: path.join(DEV, 'truth.tsv'), groupColumn: 'source_file' };

    const heldEval = (r: RunSummary) => {
      const p = predictions(core, r.run_id);
      const labelled = heldRows.filter((x) => x.label === 'good' || x.label === 'bad');
      const y = labelled.map((x) => (x.label === 'bad' ? 1 : 0) as BinaryLabel);
      const s = labelled.map((x) => p.get(x.imageId) ?? NaN);
      const { t } = threshold(r);
      const bad = labelled.filter((x) => x.label === 'bad');
      const at = (cut: number) => {
        const flagged = labelled.filter((_, i) => s[i]! >= cut);
        const hits = flagged.filter((x) => x.label === 'bad').length;
        return { coverage: bad.length ? hits / bad.length : NaN, precision: flagged.length ? hits / flagged.length : NaN };
      };
      // The best any cut on these photos' own scores could do (an oracle, not a threshold a run can
      // know): the highest coverage of bad at held-out precision ≥ 95%.
      const best = [...new Set(s.filter(Number.isFinite))].map(at).filter((c) => c.precision >= 0.95).reduce((m, c) => Math.max(m, c.coverage), 0);
      const pt = pointThreshold(r);
      const benignFlagged = benignIds.filter((id) => (p.get(id) ?? 0) >= t).length;
      return {
        auc: rocAuc(y, s),
        ...at(t),
        estimate: pt === null ? null : at(pt),
        best,
        benign: benignIds.length ? benignFlagged / benignIds.length : NaN,
        drawings: drawingIds.length ? drawingIds.filter((id) => (p.get(id) ?? 0) >= t).length / drawingIds.length : NaN,
        perKind: (kind: string) => {
          const ks = bad.filter((x) => x.kind === kind);
          return `${ks.filter((x) => (p.get(x.imageId) ?? 0) >= t).length}/${ks.length}`;
        },
      };
    };

    console.log('\nbaselines (held-out photos)     AUC    coverage  precision  benign flagged  threshold          synthetic  seconds  @estimate: coverage/precision  best cut at precision ≥ 95% (oracle)  drawings flagged');
    let augmented: RunSummary | null = null;
    for (const a of argv.includes('--skip-baselines') ? [] : [...new Set([0, augment])]) {
      const r = await core.call('ml.train', { ...extraParams, seed, augment: a, groups });
      if (a) augmented = r;
      const h = heldEval(r);
      const th = threshold(r);
      const syn = r.snapshot?.synthetic;
      console.log(
        `${(a ? `augment ${a}` : 'no augmentation').padEnd(31)} ${h.auc.toFixed(3)}  ${pct(h.coverage).padEnd(8)}  ${pct(h.precision).padEnd(9)}  ${pct(h.benign).padEnd(14)}  ${`${th.t.toFixed(3)} (${th.how})`.padEnd(18)} ${syn ? `${syn.bad}+${syn.good}` : '0'}`.padEnd(10) +
          ` ${(r.seconds ?? 0).toFixed(0)}`.padEnd(9) +
          ` ${h.estimate ? `${pct(h.estimate.coverage)}/${pct(h.estimate.precision)}` : '—'}`.padEnd(31) +
          ` ${pct(h.best)}`.padEnd(38) +
          ` ${pct(h.drawings)}`,
      );
    }
    if (argv.includes('--baselines-only')) return;
    const kinds = (argValue(argv, 'kinds')?.split(',') ?? Object.keys(KIND_FAMILIES)).filter((x) => KIND_FAMILIES[x]);
    if (augmented) {
      const h = heldEval(augmented);
      console.log(`\nper-kind recall of the augment ${augment} run on the held-out photos: ${kinds.map((x) => `${x} ${h.perKind(x)}`).join(', ')}`);
      console.log(`benign edits flagged by that run, per edit: ${benignLine(tallyBenign(predictions(core, augmented.run_id), threshold(augmented).t, new Map()))}`);
    }

    console.log(`\nleave one kind out (augment ${augment}; the kind's real bad images unlabelled, its synthetic stand-ins excluded)`);
    const features = (extraParams.features as string[] | undefined) ?? DEFAULT_TRAIN_PARAMS.features;
    if (features.includes('defects')) {
      const card = defectNetCard(modelsDir) as { trained?: { excluded_kinds?: string[] } } | null;
      const without = card?.trained?.excluded_kinds ?? [];
      console.log(
        without.length
          ? `NOTE: the defect net of this models folder was trained without ${without.join(', ')}: a row whose kind those are is honest about the net too.`
          : "NOTE: these runs use a defect net trained on every kind's synthetic stand-ins; for rows honest about the net too, run one kind at a time with --models and a net trained without it (defect-net-gpu.py lko:KIND; docs/ML-EXPERIMENTS.md: mean recall 55% that way against 52% for a net of the same recipe that saw every kind).",
      );
    }
    console.log('kind     left-out synthetic kinds                                  recall @recommended  recall @estimate  benign flagged  threshold            AUC vs held-out good');
    const recalls: number[] = [];
    const benign: number[] = [];
    const aucs: number[] = [];
    const heldGood = heldRows.filter((x) => x.label === 'good');
    for (const kind of kinds) {
      const out = rowsOf((t) => t.kind === kind && t.label === 'bad');
      await core.call('labels.set', { imageIds: out.map((r) => r.imageId), label: null });
      try {
        // No `groups` here: the stored split (by source photo, made by the baselines) is kept, so the
        // good images, and the synthetic copies made of them, stay the same as in the baselines.
        const r = await core.call('ml.train', { ...extraParams, seed, augment, augmentExclude: KIND_FAMILIES[kind] });
        const p = predictions(core, r.run_id);
        const th = threshold(r);
        const pt = pointThreshold(r);
        const hit = out.filter((x) => (p.get(x.imageId) ?? 0) >= th.t).length;
        const hitPt = pt === null ? null : out.filter((x) => (p.get(x.imageId) ?? 0) >= pt).length;
        const h = heldEval(r);
        recalls.push(hit / out.length);
        benign.push(h.benign);
        tallyBenign(p, th.t);
        // Threshold-free: the left-out kind's bad images against the held-out photos' good ones, both scored by this run's head.
        const auc = rocAuc([...out.map(() => 1 as BinaryLabel), ...heldGood.map(() => 0 as BinaryLabel)], [...out.map((x) => p.get(x.imageId) ?? NaN), ...heldGood.map((x) => p.get(x.imageId) ?? NaN)]);
        aucs.push(auc);
        console.log(
          `${kind.padEnd(8)} ${KIND_FAMILIES[kind]!.join(',').padEnd(58)} ${`${hit}/${out.length} ${pct(hit / out.length)}`.padEnd(20)} ${(hitPt === null ? '—' : `${hitPt}/${out.length} ${pct(hitPt / out.length)}`).padEnd(17)} ${pct(h.benign).padEnd(15)} ${`${th.t.toFixed(3)} (${th.how})`.padEnd(20)} ${auc.toFixed(3)}`,
        );
      } finally {
        await core.call('labels.undo', {});
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    console.log(`mean leave-one-kind-out recall ${pct(mean(recalls))}; mean AUC of the left-out kind vs held-out good ${mean(aucs).toFixed(3)}; benign edits flagged ${pct(mean(benign))} (mean over runs)`);
    console.log(`benign edits flagged over those runs, per edit: ${benignLine(benignTally)}`);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await core.close();
    if (!given && !argv.includes('--keep')) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
