/**
 * `ml.train`: one training attempt ("run") from the current labels. Main-thread side: gather the
 * labelled set, make sure features exist, assign the stored duplicate-aware split, hand the matrix
 * to the ML worker, then evaluate on held-out data, choose thresholds, find label issues, and
 * store everything with the run. Runs can be compared; one is active.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { CallContext } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import { brierScore, confusion, histograms, logLoss, rocAuc, type BinaryLabel } from '../../../src-shared/domain/metrics';
import { DEFAULT_TRAIN_PARAMS, type LabelTally, type RecommendedThreshold, type RunEvaluation, type RunMetrics, type RunSummary, type TrainParams } from '../../../src-shared/domain/ml';
import { isLabelledStats, ThresholdIndex, type LabelledThresholdStats } from '../../../src-shared/domain/threshold';
import type { CoreContext } from '../context';
import { getSetting, setSetting } from '../db/settings';
import { assembleMatrix, columnScale } from './dataset';
import { featureKey } from './embed';
import { embedMissing } from './embedService';
import type { MlEngine } from './engine';
import { FeatureStore } from './featureStore';
import { assignSplits, duplicateGroups, type Assignment, type SplitItem, type SplitName } from './splits';
import { confidentLearning } from './train/labelIssues';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';

export { DEFAULT_TRAIN_PARAMS };

export const MIN_PER_CLASS = 10;

export interface TrainArgs extends Partial<TrainParams> {
  /** Optional explicit duplicate groups: a TSV with an id column (EOL id or URL) and a group column. */
  groups?: { file: string; idColumn?: string; groupColumn: string };
}

/** A probably-mislabelled image: `row` indexes the run's matrix. */
interface LabelIssueRow {
  row: number;
  given: string;
  suggested: string;
  selfConfidence: number;
}

interface Labelled {
  id: number;
  sha256: string;
  label: 'good' | 'bad';
  dhash: string | null;
}

/** Read explicit groups (e.g. truth.tsv's source_file) keyed by image id, through the URLs and EOL ids of source rows. */
function loadGroupKeys(core: CoreContext, spec: NonNullable<TrainArgs['groups']>): Map<number, string> {
  if (!fs.existsSync(spec.file)) throw new QcError('bad_input', 'groups file not found', { file: spec.file });
  const [header = '', ...lines] = fs.readFileSync(spec.file, 'utf8').split(/\r?\n/).filter(Boolean);
  const cols = header.split('\t');
  const idCol = cols.indexOf(spec.idColumn ?? 'id');
  const groupCol = cols.indexOf(spec.groupColumn);
  if (idCol < 0 || groupCol < 0) throw new QcError('bad_input', `groups file needs columns ${spec.idColumn ?? 'id'} and ${spec.groupColumn}`, { file: spec.file, line: 1 });
  const byId = new Map<string, string>();
  for (const l of lines) {
    const c = l.split('\t');
    if (c[idCol] && c[groupCol]) byId.set(c[idCol]!, c[groupCol]!);
  }
  const out = new Map<number, string>();
  const rows = core.db.prepare('SELECT u.image_id, s.eol_id, s.url FROM source_rows s JOIN image_urls u ON u.url = s.url').all() as { image_id: number; eol_id: string | null; url: string }[];
  for (const r of rows) {
    const g = (r.eol_id && byId.get(r.eol_id)) ?? byId.get(r.url);
    if (g) out.set(r.image_id, g);
  }
  return out;
}

/**
 * When no threshold proves the target, the one with the smallest provable error (the lowest
 * Clopper–Pearson upper bound; the lower threshold on ties), over at most 2,000 candidate cuts.
 */
export function lowestBound(index: ThresholdIndex): LabelledThresholdStats | null {
  const candidates = index.candidates();
  if (!candidates.length) return null;
  const step = Math.max(1, Math.floor(candidates.length / 2000));
  let best: LabelledThresholdStats | null = null;
  for (let i = 0; i < candidates.length; i += step) {
    const s = index.at(candidates[i]!);
    if (!isLabelledStats(s) || s.flagged === 0) continue;
    if (!best || s.errorUpper < best.errorUpper - 1e-12) best = s;
  }
  return best;
}

export class TrainService {
  constructor(
    private readonly core: CoreContext,
    private readonly engine: MlEngine,
    private readonly modelsDir: string,
  ) {}

  /** The active run: the one a curator picked, else the newest finished run. */
  activeRunId(): number | null {
    const pinned = getSetting<number | null>(this.core.db, 'active_run', null);
    if (pinned !== null && this.core.db.prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'done'").get(pinned)) return pinned;
    const newest = this.core.db.prepare("SELECT id FROM runs WHERE status = 'done' ORDER BY id DESC LIMIT 1").get() as { id: number } | undefined;
    return newest?.id ?? null;
  }

  /** The run's recommended `bad` threshold, read without parsing its whole evaluation (the gallery asks per page). */
  recommendedBad(runId: number): number | null {
    const row = this.core.db.prepare("SELECT json_extract(evaluation, '$.thresholds.bad.threshold') AS t FROM runs WHERE id = ?").get(runId) as { t: number | null } | undefined;
    return row?.t ?? null;
  }

  setActive(runId: number | null): number | null {
    if (runId !== null && !this.core.db.prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'done'").get(runId)) throw new QcError('not_found', `no finished run with id ${runId}`);
    setSetting(this.core.db, 'active_run', runId);
    return this.activeRunId();
  }

  async train(args: TrainArgs, ctx: CallContext): Promise<RunSummary> {
    const { groups: groupSpec, ...overrides } = args;
    const params: TrainParams = { ...DEFAULT_TRAIN_PARAMS, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
    if (!params.features.length) throw new QcError('bad_input', 'choose at least one feature set (whole, crops, signals)');
    const { db } = this.core;
    const labelled = db
      .prepare("SELECT i.id, i.sha256, l.label, i.dhash FROM images i JOIN labels l ON l.image_id = i.id WHERE l.label IN ('good', 'bad') ORDER BY i.sha256")
      .all() as Labelled[];
    const tally = { good: labelled.filter((l) => l.label === 'good').length, bad: labelled.filter((l) => l.label === 'bad').length };
    if (tally.good < MIN_PER_CLASS || tally.bad < MIN_PER_CLASS) {
      throw new QcError('bad_input', `training needs at least ${MIN_PER_CLASS} good and ${MIN_PER_CLASS} bad images; the library has ${tally.good} good and ${tally.bad} bad`);
    }
    const runId = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('running', ?, ?)").run(JSON.stringify(params), params.backbone).lastInsertRowid);
    const started = performance.now();
    try {
      // 1. Features for every image (labelled ones to train, the rest to score).
      const embedded = await embedMissing(this.core, this.engine, this.modelsDir, { features: params.features, backbone: params.backbone }, ctx);
      if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      // Rows in content order, so the same pictures and labels give the same run in any library.
      const all = db.prepare('SELECT id, sha256, dhash FROM images ORDER BY sha256').all() as { id: number; sha256: string; dhash: string | null }[];
      const store = new FeatureStore(db);
      const usable = all.filter((img) => params.features.every((s) => store.has(img.sha256, featureKey(s, params.backbone))));
      const usableIds = new Set(usable.map((u) => u.id));
      const train = labelled.filter((l) => usableIds.has(l.id));

      // 2. The stored, duplicate-aware split.
      const assignment = this.assign(train, params, groupSpec ? loadGroupKeys(this.core, groupSpec) : null);

      // 3. The matrix: every usable image, feature blocks side by side.
      const m = assembleMatrix(store, usable.map((u) => u.sha256), params.features, params.backbone);
      const { x, n, d } = m;
      const scale = columnScale(m, params.features, params.signalsWeight);
      const labelOf = new Map(train.map((l) => [l.id, l.label]));
      const y = new Uint8Array(n).fill(255);
      const split = new Uint8Array(n).fill(SPLIT_CODE.unlabelled);
      const fold = new Int8Array(n).fill(-1);
      usable.forEach((u, i) => {
        const label = labelOf.get(u.id);
        const a = assignment.get(u.id);
        if (!label || !a) return;
        y[i] = label === 'bad' ? 1 : 0;
        split[i] = SPLIT_CODE[a.split];
        fold[i] = a.fold;
      });

      // 4. Train in the worker; epochs stream into run_epochs.
      const putEpoch = db.prepare('INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds) VALUES (?, ?, ?, ?, ?, ?, ?)');
      ctx.progress({ job: 'train', phase: 'epochs', done: 0, total: params.epochs });
      const result = await this.engine.train(
        { x, n, d, y, split, fold, folds: params.folds, params, columnScale: scale },
        (e) => {
          if (e.type === 'epoch') {
            const s = e.stats;
            putEpoch.run(runId, s.epoch, s.trainLoss, s.trainAccuracy, s.valLoss ?? null, s.valAccuracy ?? null, s.seconds);
            ctx.progress({ job: 'train', phase: 'epochs', done: s.epoch, total: params.epochs, epoch: s, message: `loss ${s.trainLoss.toFixed(4)}${s.valLoss !== undefined ? ` · val ${s.valLoss.toFixed(4)}` : ''}` });
          } else ctx.progress({ job: 'train', phase: 'folds', done: e.fold, total: e.folds });
        },
        ctx.signal,
      );

      // 5. Evaluate, choose thresholds, find label issues, store.
      const evaluation = this.evaluate(result, y, split, params);
      this.store(runId, usable, split, result, evaluation.issues);
      const snapshot = this.snapshot(train, assignment);
      db.prepare(
        "UPDATE runs SET status = 'done', provider = ?, backend = ?, snapshot = ?, snapshot_hash = ?, seconds = ?, metrics = ?, evaluation = ?, model = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
      ).run(
        embedded.provider,
        result.backend,
        JSON.stringify(snapshot),
        snapshot.hash,
        (performance.now() - started) / 1000,
        JSON.stringify(evaluation.metrics),
        JSON.stringify({ ...evaluation.report, thresholds: evaluation.thresholds }),
        JSON.stringify(result.head),
        runId,
      );
      return this.summary(runId);
    } catch (e) {
      const cancelled = (e as Error).name === 'AbortError' || ctx.signal.aborted;
      db.prepare("UPDATE runs SET status = ?, error = ?, seconds = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(
        cancelled ? 'cancelled' : 'failed',
        (e as Error).message,
        (performance.now() - started) / 1000,
        runId,
      );
      if (cancelled) return this.summary(runId);
      throw e;
    }
  }

  private assign(train: Labelled[], params: TrainParams, groupKeys: Map<number, string> | null): Map<number, Assignment> {
    const { db } = this.core;
    const store = new FeatureStore(db);
    const items: SplitItem[] = train.map((l) => ({ imageId: l.id, sha: l.sha256, label: l.label === 'bad' ? 1 : 0, dhash: l.dhash, groupKey: groupKeys?.get(l.id) ?? null }));
    let embeddings: { data: Float32Array; dim: number } | null = null;
    if (params.features.includes('whole')) {
      const key = featureKey('whole', params.backbone);
      const first = store.get(items[0]!.sha, key);
      if (first) {
        const dim = first.length;
        const data = store.matrix(items.map((i) => i.sha), key, dim);
        for (let i = 0; i < items.length; i++) {
          let norm = 0;
          for (let k = 0; k < dim; k++) norm += data[i * dim + k]! ** 2;
          norm = Math.sqrt(norm) || 1;
          for (let k = 0; k < dim; k++) data[i * dim + k]! /= norm;
        }
        embeddings = { data, dim };
      }
    }
    const groups = duplicateGroups(items, { embeddings });
    const existing = new Map<number, Assignment>();
    for (const r of db.prepare('SELECT image_id, group_id, split, fold FROM splits').all() as { image_id: number; group_id: number; split: SplitName; fold: number }[]) {
      existing.set(r.image_id, { groupId: r.group_id, split: r.split, fold: r.fold });
    }
    // Explicit groups override stored assignments made without them.
    const keep = groupKeys ? new Map<number, Assignment>() : existing;
    const assignment = assignSplits(items, groups, keep, { seed: params.seed, folds: params.folds });
    const put = db.prepare('INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, ?, ?)');
    db.transaction(() => assignment.forEach((a, id) => put.run(id, a.groupId, a.split, a.fold)))();
    return assignment;
  }

  private snapshot(train: Labelled[], assignment: Map<number, Assignment>) {
    const per: Record<SplitName, LabelTally> = { train: { good: 0, bad: 0 }, validation: { good: 0, bad: 0 }, test: { good: 0, bad: 0 } };
    const hash = createHash('sha256');
    for (const l of [...train].sort((a, b) => a.sha256.localeCompare(b.sha256))) {
      hash.update(`${l.sha256}\t${l.label}\n`);
      const a = assignment.get(l.id);
      if (a) per[a.split][l.label]++;
    }
    return { hash: hash.digest('hex'), ...per, groups: new Set([...assignment.values()].map((a) => a.groupId)).size };
  }

  private evaluate(r: TrainJobResult, y: Uint8Array, split: Uint8Array, params: TrainParams) {
    const test: number[] = [];
    const oofRows: number[] = [];
    split.forEach((s, i) => {
      if (s === SPLIT_CODE.test) test.push(i);
      else if ((s === SPLIT_CODE.train || s === SPLIT_CODE.validation) && !Number.isNaN(r.oof[i]!)) oofRows.push(i);
    });
    const yTest = test.map((i) => y[i]! as BinaryLabel);
    const pTest = test.map((i) => r.pAll[i]!);
    const yOof = oofRows.map((i) => y[i]! as BinaryLabel);
    const pOof = oofRows.map((i) => r.oof[i]!);
    const c = confusion(yTest, pTest);
    const auc = rocAuc(yTest, pTest);
    const oofAuc = rocAuc(yOof, pOof);
    const metrics: RunMetrics = {
      test_accuracy: c.accuracy,
      test_auc: Number.isNaN(auc) ? null : auc,
      test_log_loss: logLoss(yTest, pTest),
      test_brier: brierScore(yTest, pTest),
      test_size: test.length,
      per_class: c.perClass,
      confusion: { tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn },
      oof_auc: Number.isNaN(oofAuc) ? null : oofAuc,
    };
    const recommend = (cls: 'bad' | 'good'): RecommendedThreshold => {
      const score = (p: number) => (cls === 'bad' ? p : 1 - p);
      const positive = (v: BinaryLabel) => (cls === 'bad' ? v === 1 : v === 0);
      const oofIndex = new ThresholdIndex(pOof.map(score), yOof.map(positive));
      const testIndex = new ThresholdIndex(pTest.map(score), yTest.map(positive));
      const chosen = oofIndex.recommend({ targetError: params.targetError });
      const best = chosen ? null : lowestBound(oofIndex);
      return {
        threshold: chosen?.threshold ?? null,
        target_error: params.targetError,
        chosen_on: chosen,
        on_test: chosen ? testIndex.at(chosen.threshold) : null,
        best_bound: best ? { ...best, on_test: testIndex.at(best.threshold) } : null,
        note: chosen
          ? `lowest threshold whose error on ${oofRows.length} out-of-fold predictions stays ≤ ${params.targetError * 100}% at 95% confidence (Clopper–Pearson)`
          : `no threshold proves an error ≤ ${params.targetError * 100}% at 95% confidence on ${oofRows.length} out-of-fold predictions (that needs ≥ 59 flagged images without an error)` +
            (best ? `; the best provable is ≤ ${(best.errorUpper * 100).toFixed(1)}% at threshold ${best.threshold.toFixed(4)} (coverage ${(best.coverage * 100).toFixed(1)}%)` : ''),
      };
    };
    const thresholds = { bad: recommend('bad'), good: recommend('good') };
    const curves = (cls: 'bad' | 'good') => {
      const score = (p: number) => (cls === 'bad' ? p : 1 - p);
      const positive = (v: BinaryLabel) => (cls === 'bad' ? v === 1 : v === 0);
      return {
        oof: new ThresholdIndex(pOof.map(score), yOof.map(positive)).curve(101),
        test: new ThresholdIndex(pTest.map(score), yTest.map(positive)).curve(101),
      };
    };
    const report: RunEvaluation = { histograms: histograms(yTest, pTest), curves: { bad: curves('bad'), good: curves('good') }, epochs: r.head.history };

    // Label issues over every labelled image's held-out prediction.
    const heldRows = [...oofRows, ...test];
    const heldP = Float32Array.from(heldRows.map((i) => (split[i] === SPLIT_CODE.test ? r.pAll[i]! : r.oof[i]!)));
    const cl = confidentLearning(Uint8Array.from(heldRows.map((i) => y[i]!)), heldP);
    const issues: LabelIssueRow[] = cl.issues.map((iss) => ({ row: heldRows[iss.index]!, given: iss.givenLabel, suggested: iss.suggested, selfConfidence: iss.selfConfidence }));
    return { metrics, thresholds, report, issues };
  }

  private store(runId: number, usable: { id: number }[], split: Uint8Array, r: TrainJobResult, issues: LabelIssueRow[]): void {
    const { db } = this.core;
    const put = db.prepare('INSERT OR REPLACE INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, ?)');
    const issue = db.prepare('INSERT OR REPLACE INTO label_issues (run_id, image_id, rank, given, suggested, self_confidence) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      usable.forEach((u, i) => {
        const s = split[i]!;
        const held = s === SPLIT_CODE.test || ((s === SPLIT_CODE.train || s === SPLIT_CODE.validation) && !Number.isNaN(r.oof[i]!));
        const p = s === SPLIT_CODE.train || s === SPLIT_CODE.validation ? (Number.isNaN(r.oof[i]!) ? r.pAll[i]! : r.oof[i]!) : r.pAll[i]!;
        put.run(runId, u.id, p, held ? 1 : 0);
      });
      issues.forEach((iss, rank) => issue.run(runId, usable[iss.row]!.id, rank + 1, iss.given, iss.suggested, iss.selfConfidence));
    })();
  }

  summary(runId: number): RunSummary {
    const row = this.core.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Record<string, unknown> | undefined;
    if (!row) throw new QcError('not_found', `no run with id ${runId}`);
    const json = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);
    const evaluation = json<{ thresholds: RunSummary['thresholds'] }>(row.evaluation);
    const thresholds = evaluation?.thresholds ?? null;
    return {
      run_id: runId,
      status: row.status as RunSummary['status'],
      active: this.activeRunId() === runId,
      created_at: String(row.created_at),
      backbone: String(row.backbone),
      provider: (row.provider as string | null) ?? null,
      backend: (row.backend as string | null) ?? null,
      seconds: (row.seconds as number | null) ?? null,
      params: json<TrainParams>(row.params)!,
      snapshot: json(row.snapshot),
      metrics: json(row.metrics),
      recommended_threshold: { bad: thresholds?.bad.threshold ?? null, good: thresholds?.good.threshold ?? null },
      thresholds,
      error: (row.error as string | null) ?? null,
    };
  }

  list(): RunSummary[] {
    return (this.core.db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => this.summary(r.id));
  }
}
