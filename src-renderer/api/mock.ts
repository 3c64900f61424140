/**
 * An in-memory ApiClient for component and store tests: a deterministic fake library (gallery
 * items with p(bad), labels, runs, scores, label history and undo). This is the one place the
 * renderer fakes anything, at the API boundary; the app itself never uses it.
 */
import { QcError, type QcErrorShape } from '../../src-shared/contract/errors';
import type { EventMap, EventName, JobProgress } from '../../src-shared/contract/events';
import type { ArgsOf, Handlers, Method, ResultOf } from '../../src-shared/contract/handlers';
import { DEFAULT_LABEL_RULE, type LabelRule, type LabelValue } from '../../src-shared/domain/label';
import type { GalleryItem, ImageDetail, LabelBatchResult, LabelChange, LibraryStatus, ReviewQuery } from '../../src-shared/domain/library';
import type { EpochStats, RunDetail, RunSummary, TrainParams } from '../../src-shared/domain/ml';
import { filePath } from '../../src-shared/contract/transport';
import type { ApiClient, CallOptions } from './client';
import { TRAIN_DEFAULTS } from '../stores/trainDefaults';
import { mulberry32 } from '../../src-shared/domain/random';
import { sketchOf } from '../../src-shared/domain/thresholdSketch';

export interface MockOptions {
  /** Gallery size (default 300). */
  images?: number;
  seed?: number;
  /** Whether trained runs exist (default true). */
  trained?: boolean;
  /** Milliseconds each call waits (default 0: resolves on the next macrotask). */
  latencyMs?: number;
}

interface MockImage {
  id: number;
  p_bad: number;
  label: LabelValue;
  origin: 'import' | 'curator';
  rating_class: 1 | 2 | 3 | 4 | 5;
  issue_rank: number | null;
  heldout: boolean;
  taxon: string;
  width: number;
  height: number;
}

interface Batch {
  id: number;
  actor: 'curator' | 'undo';
  changes: LabelChange[];
  undone: boolean;
  created_at: string;
}

export interface MockClient extends ApiClient {
  /** Every call made, in order. */
  readonly calls: { method: Method; args: unknown }[];
  callsOf<M extends Method>(method: M): ArgsOf<M>[];
  /** The next call of `method` rejects with this error. */
  failNext(method: Method, error: QcErrorShape): void;
  /** Push an event to the listeners (as the core would). */
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /** The fake library (read or change it in tests). */
  readonly images: MockImage[];
  readonly runs: RunSummary[];
  image(id: number): MockImage | undefined;
}

const GENERA = ['Quercus', 'Danaus', 'Felis', 'Rosa', 'Apis', 'Canis', 'Passer', 'Amanita', 'Salmo', 'Pinus'];


function makeImages(n: number, seed: number): MockImage[] {
  const r = mulberry32(seed);
  const out: MockImage[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    const cls = (u < 0.15 ? 1 : u < 0.3 ? 2 : u < 0.45 ? 3 : u < 0.75 ? 4 : 5) as MockImage['rating_class'];
    const label: LabelValue = cls <= 2 ? 'bad' : cls >= 4 ? 'good' : null;
    const noise = r();
    let p = label === 'bad' ? 0.55 + 0.45 * noise : label === 'good' ? 0.45 * noise : noise;
    // A few confident mistakes: the label issues.
    if (i % 37 === 5) p = label === 'good' ? 0.9 + 0.09 * noise : label === 'bad' ? 0.1 * noise : p;
    out.push({
      id: i + 1,
      p_bad: Math.round(p * 1e6) / 1e6,
      label,
      origin: 'import',
      rating_class: cls,
      issue_rank: null,
      heldout: label !== null && i % 4 === 0,
      taxon: GENERA[i % GENERA.length]!,
      width: 640 + (i % 5) * 64,
      height: 480 + (i % 3) * 48,
    });
  }
  const suspicious = out
    .filter((m) => (m.label === 'good' && m.p_bad >= 0.8) || (m.label === 'bad' && m.p_bad <= 0.2))
    .sort((a, b) => Math.abs(b.p_bad - 0.5) - Math.abs(a.p_bad - 0.5) || a.id - b.id);
  suspicious.forEach((m, k) => (m.issue_rank = k + 1));
  return out;
}

function makeRun(id: number, over: { acc: number; auc: number; coverage: number; threshold: number; params?: Partial<TrainParams>; created: string; active: boolean }): RunSummary {
  const params: TrainParams = { ...TRAIN_DEFAULTS, backbone: 'mobilenet_v2_nsfwjs', signalsWeight: 30, folds: 5, ...over.params };
  const stats = { threshold: over.threshold, flagged: 100, tp: 95, fp: 5, coverage: over.coverage, error: 0.05, errorUpper: 0.1 };
  return {
    run_id: id,
    status: 'done',
    active: over.active,
    created_at: over.created,
    backbone: params.backbone,
    provider: 'cpu',
    backend: 'tensorflow',
    seconds: 4.2 + id,
    params,
    snapshot: { hash: `hash${id}`, train: { good: 120, bad: 80 }, validation: { good: 30, bad: 20 }, test: { good: 30, bad: 20 }, groups: 240 },
    metrics: {
      test_accuracy: over.acc,
      test_auc: over.auc,
      test_log_loss: 0.3,
      test_brier: 0.1,
      test_size: 50,
      per_class: { good: { precision: 0.9, recall: 0.9, f1: 0.9, support: 30 }, bad: { precision: 0.85, recall: 0.85, f1: 0.85, support: 20 } },
      confusion: { tp: 17, fp: 3, tn: 27, fn: 3 },
      oof_auc: over.auc - 0.01,
    },
    recommended_threshold: { bad: over.threshold, good: null },
    thresholds: {
      bad: { threshold: over.threshold, target_error: 0.05, chosen_on: stats, on_test: stats, best_bound: null, note: '' },
      good: { threshold: null, target_error: 0.05, chosen_on: null, on_test: null, best_bound: null, note: 'nothing proves the target' },
    },
    error: null,
  };
}

function epochsFor(run: RunSummary): EpochStats[] {
  const out: EpochStats[] = [];
  for (let e = 1; e <= run.params.epochs; e++) {
    out.push({ epoch: e, trainLoss: 0.7 / Math.sqrt(e), trainAccuracy: 0.6 + 0.3 * (1 - 1 / e), valLoss: 0.75 / Math.sqrt(e) + 0.02, valAccuracy: 0.58 + 0.28 * (1 - 1 / e), seconds: 0.1 });
  }
  return out;
}

export function mockClient(options: MockOptions = {}): MockClient {
  const n = options.images ?? 300;
  const images = makeImages(n, options.seed ?? 42);
  const byId = new Map(images.map((m) => [m.id, m]));
  const runs: RunSummary[] = options.trained === false
    ? []
    : [
        makeRun(1, { acc: 0.86, auc: 0.91, coverage: 0.55, threshold: 0.74, params: { features: ['whole'] }, created: '2026-01-01T10:00:00.000Z', active: false }),
        makeRun(2, { acc: 0.9, auc: 0.94, coverage: 0.62, threshold: 0.7, created: '2026-01-02T10:00:00.000Z', active: true }),
      ];
  let activeSetting: number | null = null; // null: the newest run
  let curator: number | null = null;
  let rule: LabelRule = DEFAULT_LABEL_RULE;
  const batches: Batch[] = [];
  let batchSeq = 0;
  let version = 0;
  const sortedCache = new Map<string, MockImage[]>();
  const calls: { method: Method; args: unknown }[] = [];
  const failures = new Map<Method, QcErrorShape>();
  const listeners = new Map<EventName, Set<(p: never) => void>>();
  const latency = options.latencyMs ?? 0;

  const wait = (ms = latency) => new Promise<void>((r) => setTimeout(r, ms));
  const activeRun = (): RunSummary | null => {
    const done = runs.filter((r) => r.status === 'done');
    if (activeSetting !== null) return runs.find((r) => r.run_id === activeSetting) ?? null;
    return done[done.length - 1] ?? null;
  };
  const syncActive = () => {
    const a = activeRun();
    for (const r of runs) r.active = r === a;
  };
  const recommended = () => activeRun()?.recommended_threshold.bad ?? null;
  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => {
    for (const fn of [...(listeners.get(event) ?? [])]) (fn as (p: EventMap[E]) => void)(payload);
  };
  const item = (m: MockImage, scored: boolean): GalleryItem => ({
    image_id: m.id,
    p_bad: scored ? m.p_bad : null,
    label: m.label,
    origin: m.origin,
    rating_class: m.rating_class,
    issue_rank: scored ? m.issue_rank : null,
    width: m.width,
    height: m.height,
  });

  const query = (q: ReviewQuery): MockImage[] => {
    const key = JSON.stringify({ ...q, v: version, a: activeRun()?.run_id ?? null, c: curator });
    const hit = sortedCache.get(key);
    if (hit) return hit;
    const scored = activeRun() !== null;
    const t = q.threshold ?? curator ?? recommended() ?? 0.5;
    const taxon = q.taxon?.trim().toLowerCase();
    const rows = images.filter((m) => {
      const bad = scored && m.p_bad >= t;
      if (q.predicted === 'bad' && !bad) return false;
      if (q.predicted === 'good' && (!scored || bad)) return false;
      switch (q.outcome) {
        case 'tp':
          if (!(bad && m.label === 'bad')) return false;
          break;
        case 'fp':
          if (!(bad && m.label === 'good')) return false;
          break;
        case 'tn':
          if (!(scored && !bad && m.label === 'good')) return false;
          break;
        case 'fn':
          if (!(scored && !bad && m.label === 'bad')) return false;
          break;
        case 'unlabeled':
          if (m.label !== null) return false;
          break;
        default:
          break;
      }
      if (taxon && !m.taxon.toLowerCase().includes(taxon)) return false;
      if (q.origin && q.origin !== 'any' && m.origin !== q.origin) return false;
      if (q.label && q.label !== 'any' && (q.label === 'none' ? m.label !== null : m.label !== q.label)) return false;
      if (q.issuesOnly && (!scored || m.issue_rank === null)) return false;
      return true;
    });
    const asc = q.order === 'asc';
    if (q.sort === 'issue-rank') rows.sort((a, b) => (a.issue_rank ?? Infinity) - (b.issue_rank ?? Infinity) || a.id - b.id);
    else if (q.sort === 'id') rows.sort((a, b) => (asc ? a.id - b.id : b.id - a.id));
    else if (scored) rows.sort((a, b) => (asc ? a.p_bad - b.p_bad : b.p_bad - a.p_bad) || a.id - b.id);
    sortedCache.set(key, rows);
    return rows;
  };

  const status = (): LibraryStatus => {
    const labels = { good: 0, bad: 0, unlabeled: 0 };
    const byOrigin = { import: 0, curator: 0 };
    const ratings = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
    for (const m of images) {
      if (m.label === 'good') labels.good++;
      else if (m.label === 'bad') labels.bad++;
      else labels.unlabeled++;
      byOrigin[m.origin]++;
      ratings[`${m.rating_class}`]++;
    }
    return { data_dir: '/tmp/qc-mock', schema_version: 3, images: images.length, labels, labels_by_origin: byOrigin, ratings, failed: 3, failures_by_reason: { http_404: 2, html: 1 }, imports: 1, bundles: 1 };
  };

  const applyLabels = (ids: number[], label: LabelValue, actor: Batch['actor']): LabelBatchResult => {
    const changes: LabelChange[] = [];
    let unchanged = 0;
    for (const id of ids) {
      const m = byId.get(id);
      if (!m) throw new QcError('not_found', `no image with id ${id}`);
      if (m.label === label && m.origin === 'curator') {
        unchanged++;
        continue;
      }
      changes.push({ image_id: id, old_label: m.label, new_label: label, old_origin: m.origin, new_origin: 'curator' });
      m.label = label;
      m.origin = 'curator';
    }
    if (!changes.length) return { batch_id: null, changed: [], unchanged };
    const batch: Batch = { id: ++batchSeq, actor, changes, undone: false, created_at: new Date(Date.UTC(2026, 0, 3, 0, 0, batchSeq)).toISOString() };
    batches.push(batch);
    version++;
    setTimeout(() => emit('label.changed', { changes }), 0);
    return { batch_id: batch.id, changed: changes, unchanged };
  };

  const importSummary = (source: string) => ({
    import_id: 7,
    kind: 'ratings' as const,
    source,
    encoding: 'utf-8',
    rows: 10,
    urls: 10,
    images_new: 8,
    images_existing: 1,
    failed: 1,
    failures_by_reason: { http_404: 1 },
    row_problems: 0,
    labels: { good: 5, bad: 3, unlabeled: 1 },
    bundle_id: null,
    network_requests: 9,
    seconds: 0.5,
    cancelled: false,
  });

  const progressSteps = async (ctx: { signal: AbortSignal; progress: (p: JobProgress) => void }, job: string, phase: string, steps: number) => {
    for (let i = 0; i <= steps; i++) {
      if (ctx.signal.aborted) throw new QcError('cancelled', 'cancelled');
      ctx.progress({ job, phase, done: i, total: steps });
      await wait(Math.max(latency, 1));
    }
  };

  const handlers: Handlers = {
    'library.status': async () => status(),
    'library.import': async (args, ctx) => {
      await progressSteps(ctx, 'import', 'download', 10);
      return importSummary(args.source);
    },
    'library.retryFailed': async (_args, ctx) => {
      await progressSteps(ctx, 'import', 'download', 3);
      return { ...importSummary(''), kind: 'retry' };
    },
    'demo.load': async (args, ctx) => {
      await progressSteps(ctx, 'demo', 'import', 3);
      let run: RunSummary | null = null;
      if (args.train !== false) run = await handlers['ml.train']({}, ctx);
      return { import: { ...importSummary('resources/demo/image_ratings.txt'), images_new: 112 }, run };
    },
    'library.failures': async ({ limit }) => {
      const all = [
        { id: 1, url: 'https://content.eol.org/a.jpg', file: null, line: null, reason: 'http_404' as const, detail: '404 Not Found', attempts: 1, updated_at: '2026-01-01T00:00:00Z' },
        { id: 2, url: 'https://content.eol.org/b.jpg', file: null, line: null, reason: 'http_404' as const, detail: '404 Not Found', attempts: 2, updated_at: '2026-01-01T00:00:00Z' },
        { id: 3, url: 'https://content.eol.org/c.jpg', file: 'ratings.txt', line: 12, reason: 'html' as const, detail: 'text/html', attempts: 1, updated_at: '2026-01-01T00:00:00Z' },
      ];
      return { total: all.length, failures: all.slice(0, limit ?? 1000) };
    },
    'labels.set': async ({ imageIds, label }) => applyLabels(imageIds, label, 'curator'),
    'labels.undo': async () => {
      const last = [...batches].reverse().find((b) => b.actor === 'curator' && !b.undone);
      if (!last) return { batch_id: null, changed: [], unchanged: 0 };
      last.undone = true;
      const changes: LabelChange[] = last.changes.map((c) => {
        const m = byId.get(c.image_id)!;
        const change: LabelChange = { image_id: c.image_id, old_label: m.label, new_label: c.old_label, old_origin: m.origin, new_origin: c.old_origin };
        m.label = c.old_label;
        m.origin = c.old_origin ?? 'import';
        return change;
      });
      const batch: Batch = { id: ++batchSeq, actor: 'undo', changes, undone: false, created_at: new Date().toISOString() };
      batches.push(batch);
      version++;
      setTimeout(() => emit('label.changed', { changes }), 0);
      return { batch_id: batch.id, changed: changes, unchanged: 0 };
    },
    'labels.getRule': async () => rule,
    'labels.setRule': async (args) => {
      rule = args.rule;
      return { rule, relabelled: 0 };
    },
    'ml.embed': async (_args, ctx) => {
      await progressSteps(ctx, 'embed', 'images', 3);
      return { images: n, embedded: 0, cached: n, failed: 0, seconds: 0.1, images_per_second: 1000, provider: 'cpu', backbone: 'mobilenet_v2_nsfwjs', features: ['whole', 'crops', 'signals'] };
    },
    'ml.train': async (args, ctx) => {
      const params = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) } as TrainParams;
      const id = (runs[runs.length - 1]?.run_id ?? 0) + 1;
      await progressSteps(ctx, 'train', 'embed', 2);
      for (let e = 1; e <= params.epochs; e++) {
        if (ctx.signal.aborted) throw new QcError('cancelled', 'cancelled');
        const loss = 0.7 / Math.sqrt(e);
        ctx.progress({ job: 'train', phase: 'epochs', done: e, total: params.epochs, message: `loss ${loss.toFixed(4)} · val ${(loss + 0.02).toFixed(4)}` });
        await wait(Math.max(latency, 1));
      }
      const prev = runs[runs.length - 1];
      const run = makeRun(id, {
        acc: (prev?.metrics?.test_accuracy ?? 0.85) + 0.01,
        auc: (prev?.metrics?.test_auc ?? 0.9) + 0.005,
        coverage: (prev?.thresholds?.bad.on_test?.coverage ?? 0.5) + 0.03,
        threshold: 0.68,
        params,
        created: new Date(Date.UTC(2026, 0, 2 + id)).toISOString(),
        active: false,
      });
      runs.push(run);
      syncActive();
      return run;
    },
    'ml.runs': async () => {
      syncActive();
      return { active: activeRun()?.run_id ?? null, runs: runs.map((r) => ({ ...r })) };
    },
    'ml.run': async ({ runId }) => {
      const run = runId === undefined ? activeRun() : runs.find((r) => r.run_id === runId);
      if (!run) throw new QcError('not_found', 'no trained model yet: run `qc train` first');
      const detail: RunDetail = { ...run, evaluation: { histograms: { bad: { edges: [], truePred: [], falsePred: [] }, good: { edges: [], truePred: [], falsePred: [] } }, curves: { bad: { oof: [], test: [] }, good: { oof: [], test: [] } }, epochs: epochsFor(run) } };
      return detail;
    },
    'ml.setActive': async ({ runId }) => {
      if (runId !== null && !runs.some((r) => r.run_id === runId)) throw new QcError('not_found', `no run ${runId}`);
      activeSetting = runId;
      syncActive();
      return { active: activeRun()?.run_id ?? null };
    },
    'ml.labelIssues': async ({ limit }) => {
      const run = activeRun();
      if (!run) throw new QcError('not_found', 'no trained model yet: run `qc train` first');
      const issues = images
        .filter((m) => m.issue_rank !== null && m.label !== null)
        .sort((a, b) => a.issue_rank! - b.issue_rank!)
        .map((m) => ({ rank: m.issue_rank!, image_id: m.id, given: m.label as 'good' | 'bad', suggested: (m.label === 'good' ? 'bad' : 'good') as 'good' | 'bad', self_confidence: 1 - Math.abs(m.p_bad - (m.label === 'bad' ? 1 : 0)), p_bad: m.p_bad, url: null }));
      return { run_id: run.run_id, total: issues.length, issues: issues.slice(0, limit ?? 1000) };
    },
    'ml.classify': async (args, ctx) => {
      await progressSteps(ctx, 'classify', 'images', 5);
      return { files: [`${args.outDir}/bundle_a.tsv`, `${args.outDir}/bundle_finaltags.tsv`], rows: 40, tagged_bad: 6, by_source: { curator: 1, model: 38, none: 1 }, threshold: args.threshold ?? curator ?? recommended() ?? 0.5, threshold_source: curator !== null ? 'curator' : 'recommended', run_id: activeRun()?.run_id ?? null, bundle_id: 2, images: 40, failed: 1, row_problems: 0, scored: 39, predicted: 39 };
    },
    'ml.setThreshold': async ({ threshold }) => {
      if (threshold !== null && !(threshold >= 0 && threshold <= 1)) throw new QcError('bad_input', `threshold must be in 0..1, got ${threshold}`);
      curator = threshold;
      const rec = recommended();
      return { threshold: curator, in_force: { threshold: curator ?? rec ?? 0.5, source: curator !== null ? ('curator' as const) : rec !== null ? ('recommended' as const) : ('default' as const) } };
    },
    'export.tags': async (args, ctx) => {
      await progressSteps(ctx, 'export', 'rows', 2);
      const t = args.threshold ?? curator ?? recommended() ?? 0.5;
      return { files: [`${args.outDir}/${args.bundleId !== undefined ? `bundle${args.bundleId}` : 'library'}_a.tsv`, `${args.outDir}/${args.bundleId !== undefined ? `bundle${args.bundleId}` : 'library'}_finaltags.tsv`], rows: images.length, tagged_bad: images.filter((m) => m.p_bad >= t).length, by_source: { curator: images.filter((m) => m.origin === 'curator').length, model: images.length, none: 0 }, threshold: t, threshold_source: curator !== null ? 'curator' : 'recommended', run_id: activeRun()?.run_id ?? null };
    },
    'review.page': async (args) => {
      const { offset, limit, ...q } = args;
      const rows = query(q);
      const scored = activeRun() !== null;
      return { total: rows.length, items: rows.slice(offset, offset + Math.min(limit, 1000)).map((m) => item(m, scored)) };
    },
    'review.scores': async () => {
      const run = activeRun();
      if (!run) throw new QcError('not_found', 'no trained model yet: run `qc train` first');
      const held = images.filter((m) => m.heldout && m.label !== null);
      const rec = recommended();
      const in_force = { threshold: curator ?? rec ?? 0.5, source: curator !== null ? ('curator' as const) : rec !== null ? ('recommended' as const) : ('default' as const) };
      const sketch = sketchOf(
        images.map((m) => m.p_bad),
        { p_bad: held.map((m) => m.p_bad), bad: held.map((m) => (m.label === 'bad' ? 1 : 0)) },
        [rec, curator, in_force.threshold],
      );
      return { run_id: run.run_id, sketch, recommended: rec, best_bound: null, curator, in_force };
    },
    'images.get': async ({ imageId }) => {
      const m = byId.get(imageId);
      if (!m) throw new QcError('not_found', `no image with id ${imageId}`);
      const scored = activeRun() !== null;
      const detail: ImageDetail = {
        ...item(m, scored),
        sha256: imageId.toString(16).padStart(64, '0'),
        format: 'jpeg',
        bytes: 50_000 + imageId,
        rating: m.rating_class,
        exemplar: false,
        signals: { sharpness: 0.2 + (imageId % 7) / 10, luminance: 0.5, megapixels: (m.width * m.height) / 1e6 },
        reasons: m.p_bad > 0.8 ? ['blurry'] : [],
        sources: [{ url: `https://content.eol.org/data/media/${imageId}.jpg`, kind: 'ratings', eol_id: String(1000 + imageId), ancestry: JSON.stringify(['Eukaryota', 'Plantae', m.taxon]), origin: 'ratings.txt', line: imageId + 1, raw: {} }],
        history: batches
          .flatMap((b) => b.changes.filter((c) => c.image_id === imageId).map((c) => ({ batch_id: b.id, actor: b.actor, old_label: c.old_label, new_label: c.new_label, old_origin: c.old_origin, new_origin: c.new_origin ?? 'import', created_at: b.created_at })))
          .reverse(),
      };
      return detail;
    },
  };

  const client: MockClient = {
    calls,
    images,
    runs,
    image: (id) => byId.get(id),
    callsOf<M extends Method>(method: M) {
      return calls.filter((c) => c.method === method).map((c) => c.args as ArgsOf<M>);
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    emit,
    async call<M extends Method>(method: M, args: ArgsOf<M>, opts?: CallOptions): Promise<ResultOf<M>> {
      calls.push({ method, args });
      await wait();
      const failure = failures.get(method);
      if (failure) {
        failures.delete(method);
        throw QcError.fromJSON(failure);
      }
      const signal = opts?.signal ?? new AbortController().signal;
      if (signal.aborted) throw new QcError('cancelled', 'cancelled');
      const handler = handlers[method] as (a: ArgsOf<M>, ctx: { signal: AbortSignal; progress: (p: JobProgress) => void }) => Promise<ResultOf<M>>;
      return handler(args, { signal, progress: (p) => opts?.onProgress?.(p) });
    },
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as (p: never) => void);
      return () => set.delete(fn as (p: never) => void);
    },
    fileUrl: (kind, imageId) => `/${filePath(kind, imageId)}`,
  };
  return client;
}
