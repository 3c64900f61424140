/**
 * `npm run report:ml -- --noise 0.02,0.05,0.1`: how well label issues find planted wrong labels on
 * the dev set, and what noise-robust training saves.
 *
 * The dev set (`../shared/datasets/quality-dev`, 486 labelled images) is imported and embedded once
 * into a library folder that later runs reuse (`--data DIR`, default <tmp>/qc-noise-report): the
 * feature cache is that library's SQLite. Each scenario flips labels at random (a seeded choice) and
 * mirrors the flipped images' ratings (r → 6 − r, so label weights from ratings give the flip away no
 * more than they would for a real rater's mistake), then runs the training job exactly as `qc train`
 * does (runTrainJob: product defaults, the stored-style duplicate-aware split and folds, repeated
 * out-of-fold predictions, label weights) and ranks label issues over every held-out prediction.
 *
 * Printed:
 * - per noise rate (mean over --seeds): issues listed, precision@10, @20 and @(number flipped), and
 *   recall (flipped images in the list / flipped) for every ranking (self-confidence and normalised
 *   margin, raw and class-adjusted, prune_by_noise_rate and confident_learning), and which wins;
 * - "20 flipped labels" over --flip20-seeds seeds: precision@20 and how many of the 20 are in the top 40;
 * - held-out ROC AUC against the true labels on the test split: clean labels vs each noise rate,
 *   plain training vs noise-robust (pruned) vs label weights, and the drop from clean.
 *
 * Options: --noise 0.02,0.05,0.1  --seeds 3  --flip20-seeds 5  --data DIR  --hidden N (head; default
 * the product's)  --quick (1 seed, 3 flip-20 seeds)  --flip-as ratings|curator (how a flip is planted:
 * the raters' mistake, ratings mirrored; or a wrong curator label over the original ratings)
 * --only-flip20 (just the "20 flipped labels" check)  --issue-repeats N (repetitions of the label issues' own pass)  --augment N (synthetic copies per good training image,
 * as `qc train --augment N`; default the CLI's, 4; 0 for none)  --params JSON (other training parameters for every run,
 * e.g. '{"signalsWeight":100}').
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, defaultModelsDir } from '../../src-main/core/app';
import { augmentOriginals, syntheticRows } from '../../src-main/core/ml/augment';
import { InProcessEngine } from '../../src-main/core/ml/engine';
import { assembleMatrix, columnScale, runDistanceSpec } from '../../src-main/core/ml/dataset';
import type { DistanceSpec } from '../../src-main/core/ml/train/distance';
import { FeatureStore } from '../../src-main/core/ml/featureStore';
import { findRunIssues, heldPBad } from '../../src-main/core/ml/issues';
import { oofRepeats, splitGroups } from '../../src-main/core/ml/trainService';
import { assignSplits, type SplitItem } from '../../src-main/core/ml/splits';
import { confidentLearning, DEFAULT_ISSUE_OPTIONS, issueScores, type IssueFilter, type IssueRanking } from '../../src-main/core/ml/train/labelIssues';
import { createRng, shuffleInPlace } from '../../src-main/core/ml/train/rng';
import { runTrainJob, SPLIT_CODE, type TrainJobRequest, type TrainJobResult } from '../../src-main/core/ml/trainJob';
import { DEFAULT_LABEL_RULE } from '../../src-shared/domain/label';
import { labelConfidence } from '../../src-shared/domain/labelWeight';
import { rocAuc, type BinaryLabel } from '../../src-shared/domain/metrics';
import { DEFAULT_AUGMENT, DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/domain/ml';
import { repoRoot } from './fixtures';

const DEV = path.resolve(repoRoot, '../shared/datasets/quality-dev');

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface Variant {
  name: string;
  ranking: IssueRanking;
  adjust: boolean;
  filter: IssueFilter;
}

const VARIANTS: Variant[] = [
  { name: 'self-confidence', ranking: 'self_confidence', adjust: false, filter: 'prune_by_noise_rate' },
  { name: 'normalised margin', ranking: 'normalized_margin', adjust: false, filter: 'prune_by_noise_rate' },
  { name: 'self-confidence, class-adjusted', ranking: 'self_confidence', adjust: true, filter: 'prune_by_noise_rate' },
  { name: 'normalised margin, class-adjusted', ranking: 'normalized_margin', adjust: true, filter: 'prune_by_noise_rate' },
  { name: 'adjusted self-conf., C off-diagonal', ranking: 'self_confidence', adjust: true, filter: 'confident_learning' },
];

interface Dataset {
  /** Synthetic training rows for a scenario's labels (augment.ts, as `qc train --augment N` makes them), or null. */
  synthetic: (y: Uint8Array) => Promise<TrainJobRequest['synthetic']>;
  close: () => Promise<void>;
  /** The distance-from-good block as trainService asks for it (train/distance.ts), or null. */
  distance: DistanceSpec | null;
  x: Float32Array;
  n: number;
  d: number;
  scale: Float32Array;
  y: Uint8Array;
  ratings: number[][];
  /** Each row's file name in the library (for the report's lines about single images). */
  names: string[];
  split: Uint8Array;
  fold: Int8Array;
  group: Int32Array;
  issueGroup: Int32Array;
  params: TrainParams;
}

async function loadDataset(dataDir: string, hidden: number | undefined, augment: number, extra: Partial<TrainParams> = {}): Promise<Dataset> {
  const core = createCore({ dataDir, ml: 'in-process' });
  const engine = new InProcessEngine();
  const close = async () => {
    await engine.close();
    await core.close();
  };
  try {
    const status = await core.call('library.status', {});
    if (!status.images) {
      console.log(`importing the dev set into ${dataDir} (once; later runs reuse it)…`);
      await core.call('library.import', { source: path.join(DEV, 'image_ratings.txt'), mirrors: [{ prefix: 'https://content.eol.org/data/media/qc/', dir: path.join(DEV, 'images') }] });
    }
    const params: TrainParams = { ...DEFAULT_TRAIN_PARAMS, ...extra, ...(hidden !== undefined && { hidden }), augment };
    const e = await core.call('ml.embed', { features: params.features, backbone: params.backbone });
    console.log(`features: ${e.cached} cached, ${e.embedded} embedded now (${e.seconds.toFixed(1)} s, ${e.provider})`);
    const { db } = core.context;
    const rows = db
      .prepare("SELECT i.id, i.sha256, i.dhash, l.label FROM images i JOIN labels l ON l.image_id = i.id WHERE l.label IN ('good', 'bad') ORDER BY i.sha256")
      .all() as { id: number; sha256: string; dhash: string | null; label: 'good' | 'bad' }[];
    const pathOf = new Map((db.prepare('SELECT id, path FROM images').all() as { id: number; path: string }[]).map((r) => [r.id, r.path]));
    const urlOf = new Map((db.prepare('SELECT image_id, url FROM image_urls ORDER BY created_at DESC').all() as { image_id: number; url: string }[]).map((r) => [r.image_id, r.url]));
    const ratingRows = db.prepare('SELECT u.image_id, s.rating FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.rating IS NOT NULL').raw().all() as [number, number][];
    const ratingsOf = new Map<number, number[]>();
    for (const [id, r] of ratingRows) ratingsOf.set(id, [...(ratingsOf.get(id) ?? []), r]);
    const store = new FeatureStore(db);
    const m = assembleMatrix(store, rows.map((r) => r.sha256), params.features, params.backbone);
    const scale = columnScale(m, params.features, params.signalsWeight, params.defectsWeight);
    // The split and groups as a library stores them (trainService.assign): families for the split
    // and the first pass, duplicate groups for the label issues' pass.
    const items: SplitItem[] = rows.map((r) => ({ imageId: r.id, sha: r.sha256, label: r.label === 'bad' ? 1 : 0, dhash: r.dhash, groupKey: null }));
    const { duplicates, families } = await splitGroups(core.context, items, params, new AbortController().signal);
    const assignment = assignSplits(items, families, new Map(), { seed: params.seed, folds: params.folds });
    const split = new Uint8Array(m.n);
    const fold = new Int8Array(m.n);
    const group = new Int32Array(m.n);
    const issueGroup = Int32Array.from(duplicates, (g) => rows[g]!.id);
    rows.forEach((r, i) => {
      const a = assignment.get(r.id)!;
      split[i] = SPLIT_CODE[a.split];
      fold[i] = a.fold;
      group[i] = a.groupId;
    });
    console.log(`dev set: ${m.n} labelled images, ${m.d} feature columns, ${new Set(issueGroup).size} duplicate groups, ${new Set(group).size} families; test split ${split.filter((s) => s === SPLIT_CODE.test).length} images`);
    // What trainService does: copies of the train-split images labelled good (under the scenario's labels).
    const synthetic = async (y: Uint8Array): Promise<TrainJobRequest['synthetic']> => {
      const originals = augmentOriginals(split, y, (i) => ({ sha: rows[i]!.sha256, path: pathOf.get(rows[i]!.id)! }));
      const ctx = { signal: new AbortController().signal, progress: (p: { done: number; total?: number }) => p.total && p.done === 0 && console.log(`embedding ${p.total} synthetic copies (cached for later runs)…`) };
      const syn = await syntheticRows(core.context, engine, defaultModelsDir(), params, originals, m.d, ctx);
      return syn && { x: syn.x, n: syn.n, y: syn.y, source: syn.source };
    };
    const distance = runDistanceSpec(m, params);
    return { synthetic, close, distance, x: m.x, n: m.n, d: m.d, scale, y: Uint8Array.from(rows, (r) => (r.label === 'bad' ? 1 : 0)), ratings: rows.map((r) => ratingsOf.get(r.id) ?? []), names: rows.map((r) => path.basename(urlOf.get(r.id) ?? pathOf.get(r.id)!)), split, fold, group, issueGroup, params };
  } catch (e) {
    await close();
    throw e;
  }
}

interface Scenario {
  y: Uint8Array;
  flipped: Uint8Array;
  nFlip: number;
  weight: Float32Array;
  /** Per image: how far its ratings support its label (labelWeight.ts), as trainService passes it to the issue ranking. */
  agreement: Float64Array;
}

/** How a flip is planted: `ratings` (the raters got it wrong: ratings mirrored) or `curator` (a wrong curator label; ratings kept). */
type FlipMode = 'ratings' | 'curator';
let flipMode: FlipMode = 'ratings';
/** Repetitions of the label issues' own out-of-fold pass (--issue-repeats); undefined = the product's (trainJob.ts). */
let issueRepeats: number | undefined;

function plant(ds: Dataset, nFlip: number, seed: number): Scenario {
  const order = shuffleInPlace(Int32Array.from({ length: ds.n }, (_, i) => i), createRng(7919 * seed + nFlip));
  const y = Uint8Array.from(ds.y);
  const flipped = new Uint8Array(ds.n);
  for (const i of order.subarray(0, nFlip)) {
    flipped[i] = 1;
    y[i] = 1 - y[i]!;
  }
  const conf = Array.from({ length: ds.n }, (_, i) => {
    const curator = flipMode === 'curator' && flipped[i] === 1;
    const ratings = flipped[i] && !curator ? ds.ratings[i]!.map((r) => 6 - r) : ds.ratings[i]!;
    return labelConfidence({ label: y[i] ? 'bad' : 'good', origin: curator ? 'curator' : 'import', ratings, exemplar: false }, DEFAULT_LABEL_RULE);
  });
  return {
    y,
    flipped,
    nFlip,
    weight: Float32Array.from(conf, (c) => c.weight),
    // As the app ranks them (issues.ts labelConfidences): a curator's label has no rating agreement, the
    // ratings it overruled do not push it up the list; the model alone ranks it.
    agreement: Float64Array.from(conf, (c, i) => (flipMode === 'curator' && flipped[i] === 1 ? NaN : (c.ratingAgreement ?? NaN))),
  };
}

function request(ds: Dataset, sc: Scenario, over: Partial<TrainJobRequest>): TrainJobRequest {
  return {
    x: ds.x,
    n: ds.n,
    d: ds.d,
    y: sc.y,
    split: ds.split,
    fold: ds.fold,
    folds: ds.params.folds,
    params: ds.params,
    columnScale: ds.scale,
    weight: sc.weight,
    group: ds.group,
    issueGroup: ds.issueGroup,
    oofRepeats: oofRepeats(ds.n),
    noise: 'none',
    distance: ds.distance,
    ...over,
  };
}

/** AUC of the test split's predictions against the true (unflipped) labels. */
function testAuc(ds: Dataset, r: TrainJobResult): number {
  const idx = [...ds.split.keys()].filter((i) => ds.split[i] === SPLIT_CODE.test);
  return rocAuc(idx.map((i) => ds.y[i]! as BinaryLabel), idx.map((i) => r.pAll[i]!));
}

interface IssueScore {
  listed: number;
  p10: number;
  p20: number;
  pK: number;
  recall: number;
  top40: number;
}

function scoreIssues(ds: Dataset, sc: Scenario, r: TrainJobResult, v: Variant): IssueScore {
  // What label issues read (issues.ts heldPBad).
  const held = [...ds.split.keys()];
  const p = Float32Array.from(held, (i) => heldPBad(r, ds.split, i));
  const cl = confidentLearning(sc.y, p, { ranking: v.ranking, adjust: v.adjust, filter: v.filter });
  const list = cl.issues.map((i) => i.index);
  const hits = (k: number) => list.slice(0, k).filter((i) => sc.flipped[i]).length;
  return { listed: list.length, p10: hits(10) / 10, p20: hits(20) / 20, pK: hits(sc.nFlip) / sc.nFlip, recall: list.filter((i) => sc.flipped[i]).length / sc.nFlip, top40: hits(40) };
}

/**
 * The flipped images a list missed: each one's held-out p(given label) and its rank among every
 * labelled image by the same suspicion score the list sorts by (self-confidence, class-adjusted, with
 * the ratings' agreement and the family rule) — whether a longer list would have reached it.
 */
function missedFlips(ds: Dataset, sc: Scenario, r: TrainJobResult, listed: Set<number>): { row: number; pGiven: number; firstPass: number; rank: number; of: number }[] {
  // Every row of the dev matrix is labelled, so row i is held[i].
  const held = [...ds.split.keys()];
  const p = Float32Array.from(held, (i) => heldPBad(r, ds.split, i));
  const s = issueScores(sc.y, p, DEFAULT_ISSUE_OPTIONS.ranking, DEFAULT_ISSUE_OPTIONS.adjust, undefined, sc.agreement, ds.group);
  const order = Int32Array.from(held.keys()).sort((a, b) => s[a]! - s[b]! || a - b);
  const rankOf = new Map<number, number>();
  order.forEach((k, rank) => rankOf.set(held[k]!, rank + 1));
  return held
    .filter((i) => sc.flipped[i] && !listed.has(i))
    .map((i) => ({ row: i, pGiven: sc.y[i] ? p[i]! : 1 - p[i]!, firstPass: sc.y[i] ? r.oof[i]! : 1 - r.oof[i]!, rank: rankOf.get(i)!, of: held.length }));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '  —  ');
const f2 = (x: number) => x.toFixed(2);

/** "20 flipped labels": what `qc issues` lists (the product's default ranking, with rating agreement), per seed. */
async function flip20(ds: Dataset, fit: (sc: Scenario, over: Partial<TrainJobRequest>) => Promise<TrainJobResult>, flip20Seeds: number): Promise<void> {
  const v20 = VARIANTS.find((v) => v.ranking === 'self_confidence' && v.adjust && v.filter === 'prune_by_noise_rate')!;
  const s20: IssueScore[] = [];
  const s20plain: { p20: number; top40: number }[] = [];
  for (let s = 1; s <= flip20Seeds; s++) {
    const sc = plant(ds, 20, 100 + s);
    const r = await fit(sc, {});
    // What `qc issues` lists: findRunIssues with the product's default ranking.
    const listed = findRunIssues(r, sc.y, ds.split, undefined, sc.agreement, ds.group).rows.map((x) => x.row);
    // The same predictions ranked without the family rule (labelIssues.ts SHARED_DISPUTE), side by side.
    const plain = findRunIssues(r, sc.y, ds.split, undefined, sc.agreement).rows.map((x) => x.row);
    const plainHits = (k: number) => plain.slice(0, k).filter((i) => sc.flipped[i]).length;
    s20plain.push({ p20: plainHits(20) / 20, top40: plainHits(40) });
    const hits = (k: number) => listed.slice(0, k).filter((i) => sc.flipped[i]).length;
    const check = scoreIssues(ds, sc, r, v20);
    s20.push({ listed: listed.length, p10: hits(10) / 10, p20: hits(20) / 20, pK: check.pK, recall: listed.filter((i) => sc.flipped[i]).length / 20, top40: hits(40) });
    console.log(
      `20 flipped, seed ${s}: ${listed.length} listed; precision@20 ${f2(hits(20) / 20)}; ${hits(40)} of 20 in the top 40; recall ${f2(s20.at(-1)!.recall)} (without the family rule: ${f2(plainHits(20) / 20)}; ${plainHits(40)} of 20)`,
    );
    const missed = missedFlips(ds, sc, r, new Set(listed));
    if (missed.length) console.log(`  not listed: ${missed.map((m) => `${ds.names[m.row]} p(given) ${m.pGiven.toFixed(3)} (first pass ${m.firstPass.toFixed(3)}), rank ${m.rank} of ${m.of}`).join('; ')}`);
  }
  const all20 = s20.filter((x) => x.top40 === 20).length;
  console.log(
    `20 flipped labels, ${flip20Seeds} seeds (qc issues' default ranking): mean precision@20 ${f2(mean(s20.map((x) => x.p20)))} (target ≥ 0.80); all 20 within the top 40 in ${all20} of ${flip20Seeds} seeds (target ≥ 4 of 5); mean recall ${f2(mean(s20.map((x) => x.recall)))}; without the family rule: ${f2(mean(s20plain.map((x) => x.p20)))}, ${s20plain.filter((x) => x.top40 === 20).length} of ${flip20Seeds}\n`,
  );

}

export async function noiseReport(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const rates = (arg(argv, 'noise') ?? '0.02,0.05,0.1').split(',').map(Number);
  if (rates.some((r) => !(r > 0 && r < 0.5))) throw new Error(`--noise wants rates in (0, 0.5), e.g. 0.02,0.05,0.1 (got ${arg(argv, 'noise')})`);
  const seeds = Number(arg(argv, 'seeds') ?? (quick ? 1 : 3));
  const flip20Seeds = Number(arg(argv, 'flip20-seeds') ?? (quick ? 3 : 5));
  const hiddenArg = arg(argv, 'hidden');
  const mode = arg(argv, 'flip-as') ?? 'ratings';
  if (mode !== 'ratings' && mode !== 'curator') throw new Error(`--flip-as wants ratings or curator (got ${mode})`);
  flipMode = mode;
  const only20 = argv.includes('--only-flip20');
  const issueRepeatsArg = arg(argv, 'issue-repeats');
  if (issueRepeatsArg !== undefined) {
    issueRepeats = Number(issueRepeatsArg);
    if (!Number.isInteger(issueRepeats) || issueRepeats < 1) throw new Error(`--issue-repeats wants a whole number ≥ 1 (got ${issueRepeatsArg})`);
  }
  const dataDir = path.resolve(arg(argv, 'data') ?? path.join(os.tmpdir(), 'qc-noise-report'));
  fs.mkdirSync(dataDir, { recursive: true });
  const started = performance.now();
  const augment = Number(arg(argv, 'augment') ?? DEFAULT_AUGMENT);
  if (!Number.isInteger(augment) || augment < 0) throw new Error(`--augment wants a whole number ≥ 0 (got ${arg(argv, 'augment')})`);
  const extra = JSON.parse(arg(argv, 'params') ?? '{}') as Partial<TrainParams>;
  const ds = await loadDataset(dataDir, hiddenArg !== undefined ? Number(hiddenArg) : undefined, augment, extra);
  if (Object.keys(extra).length) console.log(`training parameters besides the product's defaults: ${JSON.stringify(extra)}`);
  try {
    await report(ds, { rates, seeds, flip20Seeds, only20, started });
  } finally {
    await ds.close();
  }
}

async function report(ds: Dataset, o: { rates: number[]; seeds: number; flip20Seeds: number; only20: boolean; started: number }): Promise<void> {
  const { rates, seeds, flip20Seeds, only20, started } = o;
  const { params } = ds;
  console.log(
    `head: ${params.hidden ? `MLP ${params.hidden}` : 'linear'}, ${params.features.join('+')}, ${params.folds} folds × ${oofRepeats(ds.n)} repetitions out of fold; augment ${params.augment ?? 0} (as qc train: --augment N); ${flipMode === 'ratings' ? 'flipped images get mirrored ratings (6 − r)' : 'flips are curator labels (ratings kept, so they contradict the label)'}\n`,
  );
  const fit = async (sc: Scenario, over: Partial<TrainJobRequest>) => {
    const synthetic = await ds.synthetic(sc.y);
    return runTrainJob(request(ds, sc, { ...(synthetic && { synthetic }), ...(issueRepeats !== undefined && { issueRepeats }), ...over }), () => {});
  };

  if (only20) {
    await flip20(ds, fit, flip20Seeds);
    console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
    return;
  }
  // --- Clean labels: the reference AUC. ---------------------------------------------------------
  const clean = plant(ds, 0, 1);
  const cleanRun = await fit(clean, {});
  const cleanAuc = { plain: testAuc(ds, cleanRun), unweighted: testAuc(ds, await fit(clean, { oofGiven: cleanRun.oof, weight: null })), robust: testAuc(ds, await fit(clean, { oofGiven: cleanRun.oof, noise: 'prune' })) };

  // --- Rates: rankings and AUC. ----------------------------------------------------------------
  const wins = new Map<string, number>();
  const aucRows: string[] = [];
  console.log('noise  flipped  ranking                               listed  prec@10  prec@20  prec@flipped  recall');
  for (const rate of rates) {
    const per = VARIANTS.map(() => [] as IssueScore[]);
    const auc = { plain: [] as number[], unweighted: [] as number[], robust: [] as number[], pruned: [] as number[], prunedRight: [] as number[] };
    const nFlip = Math.round(rate * ds.n);
    for (let s = 1; s <= seeds; s++) {
      const sc = plant(ds, nFlip, s);
      const r = await fit(sc, {});
      VARIANTS.forEach((v, k) => per[k]!.push(scoreIssues(ds, sc, r, v)));
      const robust = await fit(sc, { oofGiven: r.oof, noise: 'prune' });
      const unweighted = await fit(sc, { oofGiven: r.oof, weight: null });
      auc.plain.push(testAuc(ds, r));
      auc.unweighted.push(testAuc(ds, unweighted));
      auc.robust.push(testAuc(ds, robust));
      const pruned = [...(robust.pruned ?? [])];
      auc.pruned.push(pruned.length);
      auc.prunedRight.push(pruned.filter((i) => sc.flipped[i]).length);
    }
    const means = per.map((xs) => ({ listed: mean(xs.map((x) => x.listed)), p10: mean(xs.map((x) => x.p10)), p20: mean(xs.map((x) => x.p20)), pK: mean(xs.map((x) => x.pK)), recall: mean(xs.map((x) => x.recall)) }));
    // The winner: highest mean of precision@10, @20 and @flipped, plus recall; ties are all winners.
    const merit = means.map((m) => (m.p10 + m.p20 + m.pK) / 3 + m.recall);
    const top = Math.max(...merit);
    const bestSet = new Set(merit.flatMap((v, k) => (v >= top - 1e-9 ? [k] : [])));
    for (const k of bestSet) wins.set(VARIANTS[k]!.name, (wins.get(VARIANTS[k]!.name) ?? 0) + 1);
    means.forEach((m, k) =>
      console.log(
        `${`${(rate * 100).toFixed(0)}%`.padEnd(7)}${String(nFlip).padEnd(9)}${(VARIANTS[k]!.name + (bestSet.has(k) ? ' *' : '')).padEnd(38)}${m.listed.toFixed(1).padEnd(8)}${f2(m.p10).padEnd(9)}${f2(m.p20).padEnd(9)}${f2(m.pK).padEnd(14)}${f2(m.recall)}`,
      ),
    );
    aucRows.push(
      `${`${(rate * 100).toFixed(0)}%`.padEnd(7)}${f3(mean(auc.unweighted)).padEnd(16)}${f3(mean(auc.plain)).padEnd(20)}${f3(mean(auc.robust)).padEnd(16)}${f3(cleanAuc.plain - mean(auc.plain)).padEnd(14)}${f3(cleanAuc.robust - mean(auc.robust)).padEnd(14)}${f3(cleanAuc.unweighted - mean(auc.unweighted)).padEnd(16)}${mean(auc.pruned).toFixed(1)} (${mean(auc.prunedRight).toFixed(1)} flipped)`,
    );
  }
  console.log(`* best at that rate (mean of precision@10, @20, @flipped, plus recall; ties all marked); wins over ${rates.length} rate(s): ${[...wins].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log('  With two classes p(other) = 1 − p(given): the normalised margin orders images exactly as self-confidence does; only the class adjustment (p − t per class) changes the order.\n');

  await flip20(ds, fit, flip20Seeds);

  // --- AUC. ---------------------------------------------------------------------------------------
  console.log(`held-out ROC AUC on the test split against the true labels (mean over ${seeds} seed(s)); clean labels: unweighted ${f3(cleanAuc.unweighted)}, label weights ${f3(cleanAuc.plain)}, noise-robust ${f3(cleanAuc.robust)}`);
  console.log('noise  unweighted      label weights       noise-robust    drop: plain   drop: robust  drop: unweighted  pruned');
  for (const row of aucRows) console.log(row);
  console.log('("label weights" is plain training with the rating-based weights, the product default without pruning; "noise-robust" adds pruning; drops are against the same setting on clean labels.)');
  console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
}
