/**
 * `ml.classify`: the seed's last notebook. Import a bundle (downloading what is not stored yet),
 * embed what is missing, score it with the active run, and write the tag TSVs. Every step keeps
 * what it finished, so a killed run continues where it stopped.
 */
import type { CallContext, ClassifyRequest } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { ClassifySummary, ExportSummary, ThresholdSource, TrainParams } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { getSetting } from '../db/settings';
import { exportBundle, exportLibrary } from '../export/tags';
import type { Importer } from '../library/importer';
import { featureKey } from './embed';
import { embedMissing } from './embedService';
import type { MlEngine } from './engine';
import { FeatureStore } from './featureStore';
import type { TrainedHead } from './train/head';
import type { TrainService } from './trainService';
import { assembleMatrix } from './dataset';


export type { ClassifySummary, ThresholdSource };

/** The threshold in force: given, else the curator's (slider), else the run's recommendation, else its lowest-bound threshold, else 0.5. */
export function thresholdInForce(core: CoreContext, train: TrainService, runId: number, given?: number): { threshold: number; source: ThresholdSource } {
  if (given !== undefined) {
    if (!(given >= 0 && given <= 1)) throw new QcError('bad_input', `threshold must be in 0..1, got ${given}`);
    return { threshold: given, source: 'argument' };
  }
  const curator = getSetting<number | null>(core.db, 'threshold_bad', null);
  if (curator !== null) return { threshold: curator, source: 'curator' };
  const bad = train.summary(runId).thresholds?.bad;
  if (bad?.threshold != null) return { threshold: bad.threshold, source: 'recommended' };
  if (bad?.best_bound) return { threshold: bad.best_bound.threshold, source: 'best-bound' };
  return { threshold: 0.5, source: 'default' };
}

export class ClassifyService {
  constructor(
    private readonly core: CoreContext,
    private readonly engine: MlEngine,
    private readonly modelsDir: string,
    private readonly importer: Importer,
    private readonly train: TrainService,
  ) {}

  private runOrThrow(runId?: number): number {
    const id = runId ?? this.train.activeRunId();
    if (id === null) throw new QcError('not_found', 'no trained model yet: run `qc train` first');
    if (this.train.summary(id).status !== 'done') throw new QcError('bad_input', `run ${id} did not finish`);
    return id;
  }

  /** Score every image that has no prediction from this run yet (embedding what it needs). */
  async scoreMissing(runId: number, imageIds: number[] | null, ctx: CallContext): Promise<number> {
    const { db } = this.core;
    const row = db.prepare('SELECT params, model FROM runs WHERE id = ?').get(runId) as { params: string; model: string };
    const params = JSON.parse(row.params) as TrainParams;
    const head = JSON.parse(row.model) as TrainedHead;
    const have = new Set((db.prepare('SELECT image_id FROM predictions WHERE run_id = ?').all(runId) as { image_id: number }[]).map((r) => r.image_id));
    const wanted = imageIds ?? (db.prepare('SELECT id FROM images').all() as { id: number }[]).map((r) => r.id);
    const todo = wanted.filter((id) => !have.has(id));
    if (!todo.length) return 0;
    await embedMissing(this.core, this.engine, this.modelsDir, { features: params.features, backbone: params.backbone, imageIds: todo }, ctx);
    const store = new FeatureStore(db);
    const images = (db.prepare(`SELECT id, sha256 FROM images WHERE id IN (${todo.map(() => '?').join(',')})`).all(...todo) as { id: number; sha256: string }[]).filter((img) =>
      params.features.every((s) => store.has(img.sha256, featureKey(s, params.backbone))),
    );
    if (!images.length) return 0;
    const { x, d } = assembleMatrix(store, images.map((i) => i.sha256), params.features, params.backbone);
    if (d !== head.d) throw new QcError('internal', `run ${runId} expects ${head.d} feature columns, the cache gives ${d}`);
    ctx.progress({ job: 'classify', phase: 'score', done: 0, total: images.length });
    const p = await this.engine.predict(head, { x, n: images.length, d });
    const put = db.prepare('INSERT OR REPLACE INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0)');
    db.transaction(() => images.forEach((img, i) => put.run(runId, img.id, p[i]!)))();
    ctx.progress({ job: 'classify', phase: 'score', done: images.length, total: images.length });
    return images.length;
  }

  async classify(args: ClassifyRequest, ctx: CallContext): Promise<ClassifySummary> {
    const runId = this.runOrThrow(args.runId);
    const { outDir, chunkRows, threshold, runId: _r, ...importArgs } = args;
    const imported = await this.importer.run({ ...importArgs, kind: 'bundle' }, ctx);
    if (imported.bundle_id === null) throw new QcError('internal', 'the bundle import made no bundle');
    if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const ids = (
      this.core.db
        .prepare('SELECT DISTINCT u.image_id FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id JOIN image_urls u ON u.url = s.url WHERE b.bundle_id = ?')
        .all(imported.bundle_id) as { image_id: number }[]
    ).map((r) => r.image_id);
    const scored = await this.scoreMissing(runId, ids, ctx);
    const t = thresholdInForce(this.core, this.train, runId, threshold);
    const result = exportBundle(this.core.db, { bundleId: imported.bundle_id, runId, threshold: t.threshold, outDir, ...(chunkRows && { chunkRows }) });
    const predicted = ids.length
      ? (this.core.db.prepare(`SELECT COUNT(*) AS n FROM predictions WHERE run_id = ? AND image_id IN (${ids.map(() => '?').join(',')})`).get(runId, ...ids) as { n: number }).n
      : 0;
    return {
      ...result,
      bundle_id: imported.bundle_id,
      images: ids.length,
      failed: imported.failed,
      row_problems: imported.row_problems,
      scored,
      predicted,
      threshold_source: t.source,
    };
  }

  /** Tag TSVs for a bundle already in the library, or for the whole library. */
  async exportTags(args: { bundleId?: number; outDir: string; threshold?: number; runId?: number; chunkRows?: number }, ctx: CallContext): Promise<ExportSummary> {
    const runId = this.runOrThrow(args.runId);
    await this.scoreMissing(runId, null, ctx);
    const t = thresholdInForce(this.core, this.train, runId, args.threshold);
    const result =
      args.bundleId !== undefined
        ? exportBundle(this.core.db, { bundleId: args.bundleId, runId, threshold: t.threshold, outDir: args.outDir, ...(args.chunkRows && { chunkRows: args.chunkRows }) })
        : exportLibrary(this.core.db, { runId, threshold: t.threshold, outDir: args.outDir });
    return { ...result, threshold_source: t.source };
  }
}
