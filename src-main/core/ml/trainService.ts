/**
 * `ml.train`: one training attempt ("run") from the current labels. Main-thread side: gather the
 * labelled set, make sure features exist, assign the stored duplicate-aware split, hand the matrix
 * to the ML worker, then evaluate on held-out data (evaluate.ts: metrics, thresholds, label
 * issues) and store everything with the run (runs.ts owns the runs table and the active run).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { CallContext } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import { DEFAULT_TRAIN_PARAMS, tooFewLabels, type LabelTally, type RunNoiseReport, type RunSummary, type TrainParams } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { getSetting, setSetting, SETTING } from '../db/settings';
import { writeLibraryGraphs } from '../export/graphs';
import { assembleMatrix, columnScale, runDistanceSpec } from './dataset';
import { featureKey } from './embed';
import { augmentOriginals, syntheticRows } from './augment';
import { embedMissing } from './embedService';
import type { MlEngine } from './engine';
import { evaluateRun } from './evaluate';
import { FeatureStore } from './featureStore';
import { openInputFile } from '../library/sources';
import { describeLongLine, inputLines, tagFileEncoding, tsvCells } from '../library/parse';
import { findRunIssues, IssueStore, labelConfidences, type RunIssues } from './issues';
import type { RunStore } from './runs';
import { LAYOUT_DIM, LAYOUT_KEY, layoutOfFile } from './features/layout';
import { assignSplits, DUPLICATE_MIN_COSINE, duplicateGroups, familyGroups, familyNeighbours, flatLayouts, tooFewGroups, trainGroupsAtMost, type Assignment, type SplitItem, type SplitName } from './splits';
import { nearestByDot, pairsAtLeast } from './dots';
import { findBackbone, loadManifest } from './backbone/manifest';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';

export { DEFAULT_TRAIN_PARAMS };

/**
 * Repetitions of the k-fold out-of-fold predictions behind label issues and pruning: their mean is
 * steadier (measured with `npm run report:ml -- --noise`); on large libraries one split is enough
 * and each repetition costs k head trainings.
 */
export function oofRepeats(labelled: number): number {
  return labelled <= 2000 ? 3 : labelled <= 10000 ? 2 : 1;
}

export interface TrainArgs extends Partial<TrainParams> {
  /** Optional explicit duplicate groups: a TSV with an id column (EOL id or URL) and a group column. */
  groups?: { file: string; idColumn?: string; groupColumn: string };
}

/**
 * What a split keeps together (splits.ts): duplicate groups (dHash within a few bits, whole-image
 * cosine ≥ 0.95, explicit group keys) and families (duplicates joined by layout). The one home for
 * both, used by the stored split and by `report:ml -- --noise`, which replays it.
 */
export async function splitGroups(
  core: CoreContext,
  items: readonly SplitItem[],
  params: Pick<TrainParams, 'features' | 'backbone'>,
  signal: AbortSignal,
  onLayout?: (done: number, total: number) => void,
): Promise<{ duplicates: Int32Array; families: Int32Array }> {
  const store = new FeatureStore(core.db);
  let embeddings: { data: Float32Array; dim: number } | null = null;
  if (params.features.includes('whole') && items.length) {
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
  // The all-pairs products on onnxruntime's GEMM (dots.ts): the same groups as splits.ts's own
  // loops, which at EOL's ~7,000 rated images took ~1 minute of this thread.
  const embeddingPairs = embeddings ? await pairsAtLeast(embeddings.data, embeddings.dim, DUPLICATE_MIN_COSINE, { signal }) : undefined;
  const duplicates = duplicateGroups(items, { ...(embeddingPairs && { embeddingPairs }) });
  const layout = { data: await imageLayouts(core, items, signal, onLayout), dim: LAYOUT_DIM };
  const neighbours = await nearestByDot(layout.data, layout.dim, familyNeighbours(items.length), flatLayouts(layout), { signal });
  return { duplicates, families: familyGroups(duplicates, layout, { neighbours }) };
}

/** Images' layouts (features/layout.ts), each read once from its original and cached like features; zeros where the file cannot be read. */
export async function imageLayouts(
  core: CoreContext,
  items: readonly Pick<SplitItem, 'imageId' | 'sha'>[],
  signal: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const store = new FeatureStore(core.db);
  const pathOf = core.db.prepare<[number], { path: string }>('SELECT path FROM images WHERE id = ?');
  const out = new Float32Array(items.length * LAYOUT_DIM);
  const missing: number[] = [];
  items.forEach((it, i) => {
    const v = store.get(it.sha, LAYOUT_KEY);
    if (v && v.length === LAYOUT_DIM) out.set(v, i * LAYOUT_DIM);
    else missing.push(i);
  });
  const limit = pLimit(Math.max(1, os.availableParallelism()));
  let done = 0;
  if (missing.length) onProgress?.(0, missing.length);
  const made = await Promise.all(
    missing.map((i) =>
      limit(async () => {
        if (signal.aborted) return null;
        const row = pathOf.get(items[i]!.imageId);
        try {
          return row ? await layoutOfFile(path.join(core.paths.root, row.path)) : null;
        } catch {
          return null; // verified at import; a file gone since links to nothing
        } finally {
          if (++done % 64 === 0 || done === missing.length) onProgress?.(done, missing.length);
        }
      }),
    ),
  );
  signal.throwIfAborted();
  core.db.transaction(() =>
    missing.forEach((i, k) => {
      const v = made[k];
      if (!v) return;
      out.set(v, i * LAYOUT_DIM);
      store.put(items[i]!.sha, LAYOUT_KEY, v);
    }),
  )();
  return out;
}

interface Labelled {
  id: number;
  sha256: string;
  label: 'good' | 'bad';
  dhash: string | null;
}

/** A groups file lists one line per image: far smaller than an input list. */
export const MAX_GROUPS_BYTES = 64 * 1024 * 1024;

/**
 * Read explicit groups (e.g. truth.tsv's source_file) keyed by image id, through the URLs and EOL
 * ids of source rows. The file is opened like every input list (library/sources.ts openInputFile:
 * regular files only, refused by its size over {@link MAX_GROUPS_BYTES}, so a FIFO or a device
 * cannot hang or fill the process) and read line by line (parse.ts inputLines: a line over 1 MB is
 * refused with its number).
 */
export async function loadGroupKeys(core: CoreContext, spec: NonNullable<TrainArgs['groups']>): Promise<Map<number, string>> {
  const { file } = spec;
  const idName = spec.idColumn ?? 'id';
  const input = await openInputFile(file, MAX_GROUPS_BYTES);
  const byId = new Map<string, string>();
  try {
    let cols: { id: number; group: number } | null = null;
    let n = 0;
    // Decoded and split as tag files are (UTF-16 by its byte order mark, as a spreadsheet's
    // "Unicode Text" saves it, else UTF-8; quoted cells read as the importer reads them).
    for (const l of inputLines(input.read, tagFileEncoding(input.read), { lenient: true })) {
      if (l.text === null) throw new QcError('bad_input', `groups file: ${describeLongLine(l.bytes)}`, { file, line: l.line });
      if (!l.text.trim()) continue;
      const c = tsvCells(l.text).cells;
      if (!cols) {
        const names = c.map((x) => x.trim());
        cols = { id: names.indexOf(idName), group: names.indexOf(spec.groupColumn) };
        if (cols.id < 0 || cols.group < 0) throw new QcError('bad_input', `groups file needs columns ${idName} and ${spec.groupColumn}`, { file, line: l.line });
        continue;
      }
      const id = c[cols.id]?.trim();
      const group = c[cols.group]?.trim();
      if (id && group) byId.set(id, group);
      // The lines are read synchronously: let other calls in now and then.
      if (++n % 20000 === 0) await setImmediate();
    }
    if (!cols) throw new QcError('bad_input', 'groups file is empty', { file, line: 1 });
  } finally {
    await input.close();
  }
  const out = new Map<number, string>();
  const rows = core.db.prepare('SELECT u.image_id, s.eol_id, s.url FROM source_rows s JOIN image_urls u ON u.url = s.url').all() as { image_id: number; eol_id: string | null; url: string }[];
  for (const r of rows) {
    const g = (r.eol_id && byId.get(r.eol_id)) ?? byId.get(r.url);
    if (g) out.set(r.image_id, g);
  }
  // A file that names no image would train as if no groups were given, its split free to put one
  // photo's versions on both sides: refused, not silently ignored.
  if (out.size === 0) {
    throw new QcError(
      'bad_input',
      byId.size === 0
        ? `groups file has no row with both ${idName} and ${spec.groupColumn}`
        : `groups file: none of its ${byId.size.toLocaleString('en-US')} ${idName}s names an image of this library (an ${idName} is matched against the EOL ids and URLs of the imported rows)`,
      { file },
    );
  }
  return out;
}

/**
 * What each phase of a training says while it runs (the job's progress `message`): every progress
 * of a phase carries its own, so no view keeps showing a phase that has ended.
 */
export const TRAIN_PHASE_MESSAGE = {
  embed: 'computing the features of images not yet cached',
  layouts: 'reading layouts to keep versions of one photo together',
  augment: 'making synthetic copies of good training images',
  folds: 'training fold models for the held-out predictions',
  epochs: 'training the final model on the train split',
  evaluate: 'evaluating on held-out images: thresholds and label issues',
} as const;

/** How often a training looks for a request from another process to stop (`TrainService.cancel`). */
export const CANCEL_POLL_MS = 250;
/** How long `TrainService.cancel` waits for a run another process trains to end before answering that it is still running. */
export const CANCEL_WAIT_MS = 30_000;

export class TrainService {
  /** The runs this core is training, each with its own cancel (`cancel`, from any window). */
  private readonly cancels = new Map<number, AbortController>();

  constructor(
    private readonly core: CoreContext,
    private readonly engine: MlEngine,
    private readonly modelsDir: string,
    private readonly runs: RunStore,
  ) {}

  /**
   * Cancel run `runId`, or without it the training under way on this library (there is at most
   * one; `{ run_id: null }` when none is). One this core trains for any of its clients (another
   * window's too) stops at its next check and is kept as `cancelled` (runs.changed tells every
   * window). One another process trains (the app, `qc serve`, another `qc train`) is asked to stop
   * through the library's settings (SETTING.cancelTraining, which its `train` polls every
   * CANCEL_POLL_MS), and the answer waits up to CANCEL_WAIT_MS for it to end, with that process's
   * pid and the run's status then. A run that is not training is refused, naming its status.
   */
  async cancel(runId: number | undefined, signal: AbortSignal): Promise<{ run_id: number | null; pid?: number | null; status?: RunSummary['status'] }> {
    const { db } = this.core;
    const statusOf = (id: number) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: RunSummary['status'] }).status;
    if (runId === undefined) {
      // A run left `running` by a process that has ended is not training: it is marked failed first.
      this.runs.markInterrupted();
      const running = db.prepare("SELECT id FROM runs WHERE status = 'running' ORDER BY id LIMIT 1").get() as { id: number } | undefined;
      if (!running) return { run_id: null };
      runId = running.id;
    }
    const controller = this.cancels.get(runId);
    if (controller) {
      controller.abort();
      return { run_id: runId };
    }
    this.runs.markInterrupted();
    const row = db.prepare('SELECT status, pid FROM runs WHERE id = ?').get(runId) as { status: RunSummary['status']; pid: number | null } | undefined;
    if (!row) throw new QcError('not_found', `no run with id ${runId}`);
    if (row.status !== 'running') throw new QcError('bad_input', `run ${runId} is not training (it is ${row.status})`);
    const key = SETTING.cancelTraining(runId);
    setSetting(db, key, { by_pid: process.pid, at: new Date().toISOString() });
    let status: RunSummary['status'] = 'running';
    for (const until = Date.now() + CANCEL_WAIT_MS; status === 'running' && Date.now() < until && !signal.aborted; ) {
      await sleep(CANCEL_POLL_MS);
      this.runs.markInterrupted(); // its process died meanwhile: failed, not waited for
      status = statusOf(runId);
    }
    // The trainer removes the request when its run ends; one that ended before it saw it is removed here.
    if (status !== 'running') db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    return { run_id: runId, pid: row.pid, status };
  }

  async train(args: TrainArgs, call: CallContext): Promise<RunSummary> {
    const { groups: groupSpec, ...overrides } = args;
    const params: TrainParams = { ...DEFAULT_TRAIN_PARAMS, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
    if (!params.features.length) throw new QcError('bad_input', 'choose at least one feature set (whole, crops, signals, defects)');
    const { db } = this.core;
    // The labels, their weights from the ratings and the curator's verdicts on label issues, read at
    // one moment (one read transaction): a label changed while the run embeds is not trained under
    // its old value with the weight or verdict of its new one.
    const { labelled, confidence, reviewed } = db.transaction(() => ({
      labelled: db
        .prepare("SELECT i.id, i.sha256, l.label, i.dhash FROM images i JOIN labels l ON l.image_id = i.id WHERE l.label IN ('good', 'bad') ORDER BY i.sha256")
        .all() as Labelled[],
      confidence: labelConfidences(db, this.core.labels.rule()),
      reviewed: new IssueStore(db).reviewed(),
    }))();
    const tally = { good: labelled.filter((l) => l.label === 'good').length, bad: labelled.filter((l) => l.label === 'bad').length };
    const tooFew = tooFewLabels(tally);
    if (tooFew) throw new QcError('bad_input', tooFew);
    // Arguments are checked before the run exists: a wrong one is refused, not left as a failed run.
    // The groups file is read, the backbone looked up, and the folds counted against the groups the split can make.
    const groupKeys = groupSpec ? await loadGroupKeys(this.core, groupSpec) : null;
    await this.checkBackbone(params);
    const stored = this.storedSplits();
    // Explicit groups override stored assignments made without them.
    const keep = groupKeys ? new Map<number, Assignment>() : stored;
    const atMost = trainGroupsAtMost(
      labelled.map((l) => ({ imageId: l.id, groupKey: groupKeys?.get(l.id) ?? null })),
      keep,
    );
    if (params.folds > atMost) throw tooFewGroups(params.folds, atMost, true);
    const runId = this.runs.create(params);
    // Cancelled by its caller or, through `cancel`, by any other client of this core.
    const controller = new AbortController();
    this.cancels.set(runId, controller);
    const ctx: CallContext = { ...call, signal: AbortSignal.any([call.signal, controller.signal]) };
    // Another process on this library (qc cancel, another app) asks through the settings (`cancel`).
    const cancelKey = SETTING.cancelTraining(runId);
    const askedElsewhere = setInterval(() => {
      try {
        if (getSetting<unknown>(db, cancelKey, null) !== null) controller.abort();
      } catch {
        // The database is busy: asked again at the next tick.
      }
    }, CANCEL_POLL_MS);
    askedElsewhere.unref();
    const started = performance.now();
    const announceRuns = () => this.core.events.emit('runs.changed', { active_run: this.runs.activeRunId() });
    announceRuns();
    try {
      // 1. Features for every image (labelled ones to train, the rest to score).
      const embedded = await embedMissing(this.core, this.engine, this.modelsDir, { features: params.features, backbone: params.backbone }, { ...ctx, progress: (p) => ctx.progress({ ...p, message: p.message ?? TRAIN_PHASE_MESSAGE.embed }) });
      if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      // Rows in content order, so the same pictures and labels give the same run in any library.
      const all = db.prepare('SELECT id, sha256, dhash FROM images ORDER BY sha256').all() as { id: number; sha256: string; dhash: string | null }[];
      const store = new FeatureStore(db);
      const usable = all.filter((img) => params.features.every((s) => store.has(img.sha256, featureKey(s, params.backbone))));
      const usableIds = new Set(usable.map((u) => u.id));
      const train = labelled.filter((l) => usableIds.has(l.id));

      // 2. The stored, duplicate-aware split.
      const { assignment, duplicateOf } = await this.assign(train, params, groupKeys, keep, ctx.signal, (done, total) =>
        ctx.progress({ job: 'train', phase: 'layouts', done, total, message: TRAIN_PHASE_MESSAGE.layouts }),
      );

      // 3. The matrix: every usable image, feature blocks side by side.
      const m = assembleMatrix(store, usable.map((u) => u.sha256), params.features, params.backbone);
      const { x, n, d } = m;
      const scale = columnScale(m, params.features, params.signalsWeight, params.defectsWeight);
      const labelOf = new Map(train.map((l) => [l.id, l.label]));
      const y = new Uint8Array(n).fill(255);
      const split = new Uint8Array(n).fill(SPLIT_CODE.unlabelled);
      const fold = new Int8Array(n).fill(-1);
      const group = new Int32Array(n).fill(-1);
      const issueGroup = new Int32Array(n).fill(-1);
      usable.forEach((u, i) => {
        const label = labelOf.get(u.id);
        const a = assignment.get(u.id);
        if (!label || !a) return;
        y[i] = label === 'bad' ? 1 : 0;
        split[i] = SPLIT_CODE[a.split];
        fold[i] = a.fold;
        group[i] = a.groupId;
        issueGroup[i] = duplicateOf.get(u.id) ?? u.id;
      });
      // Label weights from the ratings, and the labels a curator confirmed or dismissed as issues (read with the labels).
      const weight = params.labelWeights === false ? null : Float32Array.from(usable, (u) => confidence.get(u.id)?.weight ?? 1);
      const protect = Uint8Array.from(usable, (u) => (reviewed.get(u.id) === 'confirmed' ? 1 : 0));
      const hide = Uint8Array.from(usable, (u) => (reviewed.has(u.id) ? 1 : 0));
      const repeats = oofRepeats(train.length);
      // Synthetic examples (augment.ts): copies of train-split good images, for training only.
      const paths = new Map((db.prepare('SELECT id, path FROM images').all() as { id: number; path: string }[]).map((r) => [r.id, r.path]));
      const originals = augmentOriginals(split, y, (i) => ({ sha: usable[i]!.sha256, path: paths.get(usable[i]!.id)! }));
      const synthetic = await syntheticRows(this.core, this.engine, this.modelsDir, params, originals, d, { ...ctx, progress: (p) => ctx.progress({ ...p, message: TRAIN_PHASE_MESSAGE.augment }) });

      // 4. Train in the worker (the folds' fits, then the final model); epochs stream into run_epochs.
      const putEpoch = db.prepare('INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const result = await this.engine.train(
        {
          ...{ x, n, d, y, split, fold, folds: params.folds, params, columnScale: scale, weight, group, issueGroup, oofRepeats: repeats, noise: params.noise ?? 'none', protect },
          distance: runDistanceSpec(m, params),
          calibrate: params.calibrate === true,
          synthetic: synthetic && { x: synthetic.x, n: synthetic.n, y: synthetic.y, source: synthetic.source },
        },
        (e) => {
          if (e.type === 'epoch') {
            const s = e.stats;
            putEpoch.run(runId, s.epoch, s.trainLoss, s.trainAccuracy, s.valLoss ?? null, s.valAccuracy ?? null, s.seconds);
            ctx.progress({ job: 'train', phase: 'epochs', done: s.epoch, total: params.epochs, epoch: s, message: `${TRAIN_PHASE_MESSAGE.epochs}: loss ${s.trainLoss.toFixed(4)}${s.valLoss !== undefined ? ` · val ${s.valLoss.toFixed(4)}` : ''}` });
          } else if (e.type === 'fold') ctx.progress({ job: 'train', phase: 'folds', done: e.fold + 1, total: e.folds, message: TRAIN_PHASE_MESSAGE.folds });
          else if (e.stage === 'folds') ctx.progress({ job: 'train', phase: 'folds', done: 0, total: e.folds, message: TRAIN_PHASE_MESSAGE.folds });
          else ctx.progress({ job: 'train', phase: 'epochs', done: 0, total: params.epochs, message: TRAIN_PHASE_MESSAGE.epochs });
        },
        ctx.signal,
      );

      // 5. Evaluate, choose thresholds, find label issues, store.
      ctx.progress({ job: 'train', phase: 'evaluate', done: 0, total: 0, message: TRAIN_PHASE_MESSAGE.evaluate });
      const evaluation = evaluateRun(result, y, split, params);
      const agreement = Float64Array.from(usable, (u) => confidence.get(u.id)?.ratingAgreement ?? NaN);
      const issues = findRunIssues(result, y, split, hide, agreement, group);
      const pruned = [...(result.pruned ?? [])].map((row) => ({ imageId: usable[row]!.id, given: (y[row] ? 'bad' : 'good') as 'good' | 'bad', pBad: result.oof[row]! }));
      const weights = weight ? [...train.map((l) => confidence.get(l.id)?.weight ?? 1)] : null;
      // The run's graphs (runs/ID/train_graphs/) before it is finished: a process killed meanwhile
      // leaves a run that did not finish (marked interrupted at the next open), never a finished
      // run without its graphs.
      await writeLibraryGraphs(this.core.paths, runId, evaluation.report.epochs);
      // Predictions, label issues, the finished run and the active run: one IMMEDIATE transaction,
      // so a process killed part way never leaves an unfinished run with predictions and issues,
      // nor a finished run the newest-done fallback makes active when the comparison would not.
      const decision = db
        .transaction(() => {
          this.store(runId, usable, split, result, issues, (id) => confidence.get(id)?.weight ?? null);
          new IssueStore(db).storePruned(runId, pruned);
          const noise: RunNoiseReport = {
            ...issues.method,
            oof_repeats: result.issueRepeats ?? repeats,
            handling: params.noise ?? 'none',
            pruned: new IssueStore(db).pruned(runId),
            label_weights: weights?.length ? { mean: weights.reduce((a, b) => a + b, 0) / weights.length, below_half: weights.filter((w) => w < 0.5).length } : null,
          };
          this.runs.finish(runId, {
            provider: embedded.provider,
            backend: result.backend,
            snapshot: { ...this.snapshot(train, assignment), ...(synthetic && { synthetic: { ...synthetic.tally, good_left_out: result.syntheticLeftOut ?? 0 } }) },
            seconds: (performance.now() - started) / 1000,
            metrics: evaluation.metrics,
            evaluation: { ...evaluation.report, noise, thresholds: evaluation.thresholds },
            head: result.head,
          });
          // A new run takes over only when it is better on the shared held-out test images.
          return this.runs.activateIfBetter(runId);
        })
        .immediate();
      this.core.events.emit('threshold.changed', { curator: this.runs.curatorThreshold(), active_run: decision.active, in_force: decision.active === null ? null : this.runs.thresholdInForce(decision.active) });
      announceRuns();
      return { ...this.runs.summary(runId), activation: decision.reason };
    } catch (e) {
      const cancelled = (e as Error).name === 'AbortError' || ctx.signal.aborted;
      this.runs.fail(runId, cancelled ? 'cancelled' : 'failed', (e as Error).message, (performance.now() - started) / 1000);
      announceRuns();
      if (cancelled) return this.runs.summary(runId);
      throw e;
    } finally {
      this.cancels.delete(runId);
      clearInterval(askedElsewhere);
      try {
        db.prepare('DELETE FROM settings WHERE key = ?').run(cancelKey);
      } catch {
        // Left for the canceller, which removes it once the run has ended.
      }
    }
  }

  /**
   * Each labelled image's split and fold, stored; its family (splits.ts familyGroups) keeps a
   * photo's versions on one side; folds stored for another k are dealt anew (assignSplits).
   * Returns the assignment and each image's duplicate group (fine, by id of its first member),
   * which the label issues' pass keeps together instead of families.
   */
  private async assign(
    train: Labelled[],
    params: TrainParams,
    groupKeys: Map<number, string> | null,
    keep: ReadonlyMap<number, Assignment>,
    signal: AbortSignal,
    onLayout?: (done: number, total: number) => void,
  ): Promise<{ assignment: Map<number, Assignment>; duplicateOf: Map<number, number> }> {
    const { db } = this.core;
    const items: SplitItem[] = train.map((l) => ({ imageId: l.id, sha: l.sha256, label: l.label === 'bad' ? 1 : 0, dhash: l.dhash, groupKey: groupKeys?.get(l.id) ?? null }));
    const { duplicates: groups, families } = await splitGroups(this.core, items, params, signal, onLayout);
    const assignment = assignSplits(items, families, keep, { seed: params.seed, folds: params.folds });
    const put = db.prepare('INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, ?, ?)');
    db.transaction(() => assignment.forEach((a, id) => put.run(id, a.groupId, a.split, a.fold)))();
    return { assignment, duplicateOf: new Map(items.map((it, i) => [it.imageId, items[groups[i]!]!.imageId])) };
  }

  /** The stored split: each image's split, fold and group, by image id. */
  private storedSplits(): Map<number, Assignment> {
    const existing = new Map<number, Assignment>();
    for (const r of this.core.db.prepare('SELECT image_id, group_id, split, fold FROM splits').all() as { image_id: number; group_id: number; split: SplitName; fold: number }[]) {
      existing.set(r.image_id, { groupId: r.group_id, split: r.split, fold: r.fold });
    }
    return existing;
  }

  /**
   * A backbone id the manifest does not list is refused when the features need a backbone (whole,
   * crops). A manifest that cannot be read is left to the embedding, which needs it only for images
   * without features.
   */
  private async checkBackbone(params: TrainParams): Promise<void> {
    if (!params.features.some((s) => s === 'whole' || s === 'crops')) return;
    const manifest = await loadManifest(this.modelsDir).catch(() => null);
    if (manifest) findBackbone(manifest, params.backbone);
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

  private store(runId: number, usable: { id: number }[], split: Uint8Array, r: TrainJobResult, issues: RunIssues, weightOf: (imageId: number) => number | null): void {
    this.runs.putPredictions(
      runId,
      usable.map((u, i) => {
        const s = split[i]!;
        const held = s === SPLIT_CODE.test || ((s === SPLIT_CODE.train || s === SPLIT_CODE.validation) && !Number.isNaN(r.oof[i]!));
        const p = s === SPLIT_CODE.train || s === SPLIT_CODE.validation ? (Number.isNaN(r.oof[i]!) ? r.pAll[i]! : r.oof[i]!) : r.pAll[i]!;
        return { imageId: u.id, pBad: p, heldout: held };
      }),
    );
    new IssueStore(this.core.db).store(runId, (row) => usable[row]!.id, issues.rows, weightOf);
  }
}
