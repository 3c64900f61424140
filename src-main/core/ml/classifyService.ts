/**
 * `ml.classify`: the seed's last notebook. Import a bundle (downloading what is not stored yet),
 * embed what is missing, score it with the active run, and write the tag TSVs. Every step keeps
 * what it finished, so a killed run continues where it stopped.
 */
import type { CallContext, ClassifyRequest } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { ClassifySummary, ExportSummary, FeatureSet, ThresholdInForce, ThresholdSource } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { refuseInsideLibrary, withOutDir } from '../export/outDir';
import { ExportStage } from '../export/stage';
import { exportBundle, exportLibrary, refuseTagNamesTaken, requireExportableBundle, type ExportResult } from '../export/tags';
import { inputOrigin, type Importer } from '../library/importer';
import { featureKey } from './embed';
import { embedMissing } from './embedService';
import type { MlEngine } from './engine';
import type { Decoded } from './backbone/preprocess';
import { FeatureStore } from './featureStore';
import type { RunStore } from './runs';
import { assembleMatrix } from './dataset';
import { curatorError, curatorReport, shardShownAs, writeShardBundle, type ShardCopyOwner } from './shard';
import { headInputWidth } from './train/predict';

/** A tag export's progress (`tags` rows written of the total) and cancel, from the call's context. */
function exportControl(ctx: CallContext, job: string) {
  return { signal: ctx.signal, onProgress: (done: number, total: number) => ctx.progress({ job, phase: 'tags', done, total }) };
}


export type { ClassifySummary, ThresholdSource };

/** New pictures embedded at a time while a bundle is still downloading (ClassifyService.embedAsStored). */
export const EARLY_EMBED_CHUNK = 1000;
/** Decoded pictures per early chunk (their pixels travel with them: ~0.8 MB each at 580 px). */
export const EARLY_DECODED_CHUNK = 16;
/**
 * Bytes of decoded pixels held at once, waiting or being embedded; downloads wait beyond it. The
 * threads each hold a copy of what they work on (a decoded picture's buffer is sharp's and cannot
 * be transferred), so the process holds about three times this.
 */
export const EARLY_PIXEL_BUDGET = 48 * 1024 * 1024;

/**
 * Images scored per predict call. A classify of 5,000 new pictures rose ~500 MB (to 1.34 GB) when
 * its scoring began with all of them in one call; scoring the default run's 3,931 columns in the
 * process, 5,000 rows at once rose 396 MB, five calls of 1,000 205 MB (measured on the demo's run, random
 * rows). The calls cost nothing that matters beside the features' reads.
 */
export const SCORE_CHUNK = 1000;

/** Chunk sizes (pictures from files, decoded pictures) and the budget of held pixels in bytes. */
export interface EarlyEmbedding {
  chunk: number;
  decodedChunk: number;
  pixelBudget: number;
}

/** The images of bundle `?` (each row's image, migration 026; a row whose URL maps to none left out): what the bundle's image list and the count of its scored images both read. */
const BUNDLE_IMAGES_SQL = 'SELECT s.image_id FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? AND s.image_id IS NOT NULL';

export class ClassifyService {
  constructor(
    private readonly core: CoreContext,
    private readonly engine: MlEngine,
    private readonly modelsDir: string,
    private readonly importer: Importer,
    private readonly runs: RunStore,
    /** How new pictures are embedded while the bundle downloads (embedAsStored); null: only afterwards, from their files. */
    private readonly early: EarlyEmbedding | null = { chunk: EARLY_EMBED_CHUNK, decodedChunk: EARLY_DECODED_CHUNK, pixelBudget: EARLY_PIXEL_BUDGET },
  ) {}

  /**
   * Score every image that has no prediction from this run yet (embedding what it needs); its
   * `score` progress is told as part of `job` (the call's: `classify`, or `export` for export.tags).
   */
  async scoreMissing(runId: number, imageIds: number[] | null, ctx: CallContext, job = 'classify'): Promise<number> {
    const { db } = this.core;
    // Found in SQL, never as sets of every image and prediction (a million each in a large library).
    let todo: number[];
    if (imageIds === null) {
      // Predictions reference images, one per image and run: as many as images means all scored.
      const count = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number }).n;
      if (count('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?', runId) >= count('SELECT COUNT(*) AS n FROM images')) return 0;
      todo = db.prepare('SELECT i.id FROM images i WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id) ORDER BY i.id').pluck().all(runId) as number[];
    } else {
      const scored = db.prepare('SELECT 1 FROM predictions WHERE run_id = ? AND image_id = ?').pluck();
      todo = imageIds.filter((id) => scored.get(runId, id) === undefined);
    }
    if (!todo.length) return 0;
    const { params, head } = this.runs.model(runId);
    await embedMissing(this.core, this.engine, this.modelsDir, { features: params.features, backbone: params.backbone, imageIds: todo }, ctx);
    const store = new FeatureStore(db);
    const sha = db.prepare<[number], string>('SELECT sha256 FROM images WHERE id = ?').pluck();
    // Scored SCORE_CHUNK images at a time (those with every feature set: a picture that could not be
    // decoded has none): the feature matrix never holds the whole bundle.
    let scored = 0;
    ctx.progress({ job, phase: 'score', done: 0, total: todo.length });
    for (let start = 0; start < todo.length; start += SCORE_CHUNK) {
      if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const part: { id: number; sha256: string }[] = [];
      for (const id of todo.slice(start, start + SCORE_CHUNK)) {
        const sha256 = sha.get(id) as string | undefined;
        if (sha256 !== undefined && params.features.every((s) => store.has(sha256, featureKey(s, params.backbone)))) part.push({ id, sha256 });
      }
      if (part.length) {
        const { x, d } = assembleMatrix(store, part.map((i) => i.sha256), params.features, params.backbone);
        // A head with a distance block (train/distance.ts) appends its own columns to these.
        if (d !== headInputWidth(head)) throw new QcError('internal', `run ${runId} expects ${headInputWidth(head)} feature columns, the cache gives ${d}`);
        const p = await this.engine.predict(head, { x, n: part.length, d });
        this.runs.putPredictions(runId, part.map((img, i) => ({ imageId: img.id, pBad: p[i]!, heldout: false })));
        scored += part.length;
      }
      ctx.progress({ job, phase: 'score', done: Math.min(start + SCORE_CHUNK, todo.length), total: todo.length });
    }
    return scored;
  }

  /**
   * Embed images as they are added, in chunks of `early.chunk` (or of `early.decodedChunk` when
   * they come decoded: the import's check decoded them whole, prepare.ts PrepareItem.decoded, so
   * the embedding does not decode them again), two chunks at a time so the workers never drain
   * between chunks, without progress of their own (the import's shows). Decoded pixels held,
   * waiting or in flight, stay under `early.pixelBudget`: `add` returns a promise that the import's
   * download slot waits on (the downloads then keep pace with the embedding instead of piling
   * pixels up); a picture too large for a quarter of the budget goes without its pixels.
   * `settle(true)` embeds what is left and waits; `settle(false)` drops it (a failed or cancelled
   * import); either way what is still missing is embedded by scoreMissing, which reports it.
   */
  private embedAsStored(early: EarlyEmbedding, what: { features: FeatureSet[]; backbone: string }, ctx: CallContext): { add: (imageId: number, decoded?: Decoded) => Promise<void> | void; settle: (flush: boolean) => Promise<void> } {
    type Entry = { id: number; decoded?: Decoded };
    const pending: Entry[] = [];
    let pendingDecoded = 0;
    let pendingBytes = 0;
    let held = 0; // bytes of pixels waiting or in flight
    const running = new Set<Promise<void>>();
    const waiters: (() => void)[] = [];
    const quiet: CallContext = { signal: ctx.signal, progress: () => {} };
    const size = (d?: Decoded) => d?.img.data.length ?? 0;
    // Pictures handed in, and those whose chunk has been embedded: once the downloads end, what is
    // still being embedded is told as the call's `embed` phase (the bar sat at "download N / N" with
    // no word for the seconds the last chunks took).
    let added = 0;
    let embedded = 0;
    let settling = false;
    const tell = () => ctx.progress({ job: 'classify', phase: 'embed', done: embedded, total: added, message: 'embedding the new pictures' });
    const launch = () => {
      // One chunk off the front: up to `chunk` pictures, `decodedChunk` decoded ones, a quarter of the budget in pixels.
      let n = 0;
      let nDecoded = 0;
      let nBytes = 0;
      while (n < pending.length && n < early.chunk && nDecoded < early.decodedChunk && nBytes < early.pixelBudget / 4) {
        const d = pending[n++]!.decoded;
        if (d) {
          nDecoded++;
          nBytes += size(d);
        }
      }
      const chunk = pending.splice(0, n);
      pendingDecoded -= nDecoded;
      pendingBytes -= nBytes;
      const decoded = new Map(chunk.flatMap((e) => (e.decoded ? [[e.id, e.decoded] as const] : [])));
      const p: Promise<void> = embedMissing(this.core, this.engine, this.modelsDir, { ...what, imageIds: chunk.map((e) => e.id) }, quiet, decoded)
        // A failure here is met again, and reported, when scoreMissing embeds what is still missing.
        .then(() => {}, () => {})
        .finally(() => {
          running.delete(p);
          held -= nBytes;
          embedded += chunk.length;
          // A chunk cut short by a cancel is not embedded: the bar stays where it was (it jumped to N / N).
          if (settling && !ctx.signal.aborted) tell();
          waiters.splice(0).forEach((w) => w());
          pump();
        });
      running.add(p);
    };
    const pump = () => {
      // By count, or by bytes (a few large pictures): held pixels always have a chunk under way.
      while (running.size < 2 && !ctx.signal.aborted && (pending.length >= early.chunk || pendingDecoded >= early.decodedChunk || pendingBytes >= early.pixelBudget / 4)) launch();
    };
    return {
      add: (id, decoded) => {
        const keep = decoded && size(decoded) <= early.pixelBudget / 4 ? decoded : undefined;
        added++;
        pending.push(keep ? { id, decoded: keep } : { id });
        if (keep) {
          pendingDecoded++;
          pendingBytes += size(keep);
          held += size(keep);
        }
        pump();
        if (held < early.pixelBudget || ctx.signal.aborted) return;
        return new Promise<void>((resolve) => waiters.push(resolve));
      },
      settle: async (flush) => {
        if (!flush || ctx.signal.aborted) {
          added -= pending.length;
          pending.length = 0;
        }
        settling = flush && !ctx.signal.aborted;
        if (settling && added > embedded) tell();
        // What is left, chunk by chunk, two at a time.
        while (pending.length || running.size) {
          while (pending.length && running.size < 2) launch();
          await Promise.race(running);
        }
      },
    };
  }

  /**
   * Import, score and write the tag files of a bundle. Failed or cancelled (a missing input, a
   * refused file, a cancel), it leaves no empty folder it made for `outDir` (outDir.ts withOutDir).
   */
  async classify(args: ClassifyRequest, ctx: CallContext): Promise<ClassifySummary> {
    refuseInsideLibrary(args.outDir, this.core.paths.root);
    return withOutDir(args.outDir, () => this.classifyInto(args, ctx));
  }

  private async classifyInto(args: ClassifyRequest, ctx: CallContext): Promise<ClassifySummary> {
    const runId = this.runs.requireRun(args.runId);
    const { outDir, chunkRows, threshold, runId: _r, shard, ...importArgs } = args;
    refuseUnwritable(outDir, this.core.paths.owners);
    // A shard: only its rows, as a bundle file of their own (its tag files then carry the shard's name).
    const curatorFile = importArgs.source;
    // A shard copy whose path the library holds for another bundle file of the same name (imported or being imported) gets a name of its own.
    // Paths compared without case: on macOS and Windows `/a/Bundle.txt` and `/b/bundle.txt` would share one shard copy.
    const whose = (file: string): ShardCopyOwner => {
      const shownAs = shard && shardShownAs(curatorFile, shard);
      const shown = this.core.db
        .prepare<[string, string], string | null>('SELECT shown_origin FROM bundles WHERE origin = ? COLLATE NOCASE UNION ALL SELECT shown_source FROM imports WHERE source = ? COLLATE NOCASE')
        .pluck()
        .all(file, file)
        .filter((s) => s !== null);
      return shown.some((s) => s !== shownAs) ? 'other' : shown.length ? 'mine' : 'nobody';
    };
    const shardBundle = shard ? await writeShardBundle(curatorFile, shard, outDir, this.core.paths.owners, whose) : null;
    if (shardBundle) importArgs.source = shardBundle.file;
    // A curator's file at the bundle's tag files' names is refused now, not after the download and scoring.
    refuseTagNamesTaken(this.core.db, inputOrigin(importArgs.source), outDir);
    // Thumbnails and previews later (verify.ts): most of a bundle's pictures are never looked at.
    // New pictures are embedded in chunks while the rest download (the cores would idle otherwise).
    const { params } = this.runs.model(runId);
    const early = this.early && this.embedAsStored(this.early, { features: params.features, backbone: params.backbone }, ctx);
    let imported;
    try {
      // A shard's failures are recorded against the curator's bundle file and its lines, not the shard copy's,
      // and its import and bundle are shown as the curator's bundle and the shard (the copy's path stays their key).
      const reportAs = shardBundle ? { reportAs: curatorReport(curatorFile, shardBundle) } : {};
      imported = await this.importer.run({ ...importArgs, kind: 'bundle' }, ctx, early ? { derived: 'later', pixels: true, onNewImage: early.add, ...reportAs } : { derived: 'later', ...reportAs });
    } catch (e) {
      await early?.settle(false);
      // A failure of a shard is told against the bundle file (and line) the curator gave, not the internal shard copy.
      throw shardBundle ? curatorError(e, curatorFile, shardBundle) : e;
    }
    await early?.settle(true);
    if (imported.bundle_id === null) throw new QcError('internal', 'the bundle import made no bundle');
    if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const ids = this.bundleImageIds(imported.bundle_id);
    const scored = await this.scoreMissing(runId, ids, ctx);
    const t = this.runs.thresholdInForce(runId, threshold);
    const result = await exportBundle(this.core.db, { bundleId: imported.bundle_id, runId, threshold: t.threshold, outDir, ...(chunkRows && { chunkRows }), owners: this.core.paths.owners, ...exportControl(ctx, 'classify') });
    // Counted in SQL: a list of every image id as parameters would break SQLite's limit on a large bundle.
    const predicted = (
      this.core.db
        .prepare(
          `SELECT COUNT(*) AS n FROM predictions WHERE run_id = ? AND image_id IN (${BUNDLE_IMAGES_SQL})`,
        )
        .get(runId, imported.bundle_id) as { n: number }
    ).n;
    return {
      ...exportSummary(result, t),
      bundle_id: imported.bundle_id,
      images: ids.length,
      failed: imported.failed,
      row_problems: imported.row_problems,
      scored,
      predicted,
    };
  }

  /** A bundle's distinct images as plain numbers (a bundle's rows are never held in memory). */
  private bundleImageIds(bundleId: number): number[] {
    return this.core.db
      .prepare(`SELECT DISTINCT image_id FROM (${BUNDLE_IMAGES_SQL})`)
      .pluck()
      .all(bundleId) as number[];
  }

  /**
   * Tag TSVs for a bundle already in the library, or for the whole library. The run and the bundle
   * (one that exists and whose import finished) are checked before the output folder is made; a
   * failed or cancelled export leaves no empty folder it made (outDir.ts withOutDir).
   */
  async exportTags(args: { bundleId?: number; outDir: string; threshold?: number; runId?: number; chunkRows?: number }, ctx: CallContext): Promise<ExportSummary> {
    refuseInsideLibrary(args.outDir, this.core.paths.root);
    const runId = this.runs.requireRun(args.runId);
    if (args.bundleId !== undefined) requireExportableBundle(this.core.db, args.bundleId);
    return withOutDir(args.outDir, () => this.exportTagsInto(runId, args, ctx));
  }

  private async exportTagsInto(runId: number, args: { bundleId?: number; outDir: string; threshold?: number; chunkRows?: number }, ctx: CallContext): Promise<ExportSummary> {
    refuseUnwritable(args.outDir, this.core.paths.owners);
    // A bundle's tags need its own images scored, not the whole library's (a library of a million
    // with a new run would be embedded to export one small bundle).
    await this.scoreMissing(runId, args.bundleId !== undefined ? this.bundleImageIds(args.bundleId) : null, ctx, 'export');
    const t = this.runs.thresholdInForce(runId, args.threshold);
    const result =
      args.bundleId !== undefined
        ? await exportBundle(this.core.db, { bundleId: args.bundleId, runId, threshold: t.threshold, outDir: args.outDir, ...(args.chunkRows && { chunkRows: args.chunkRows }), owners: this.core.paths.owners, ...exportControl(ctx, 'export') })
        : await exportLibrary(this.core.db, { runId, threshold: t.threshold, outDir: args.outDir, owners: this.core.paths.owners, ...exportControl(ctx, 'export') });
    return exportSummary(result, t);
  }
}

/**
 * The output folder made and a stage written in it and removed (stage.ts, as the tag export does
 * first), before the bundle is imported, embedded and scored: a file in the way, a link, or a folder
 * that cannot be written is refused now (bad_input naming it), not after hours of downloads.
 */
function refuseUnwritable(outDir: string, owners: string | null): void {
  ExportStage.open(outDir, { owners }).discard();
}

/** An export's answer names its threshold as `in_force: { threshold, source }`, the shape a run's answers use. */
function exportSummary(result: ExportResult, inForce: ThresholdInForce): ExportSummary {
  const { files, rows, tagged_bad, by_source, run_id, merged_other_runs, unfinished_tag_merges } = result;
  return {
    files, rows, tagged_bad, by_source, in_force: { threshold: result.threshold, source: inForce.source }, run_id,
    ...(merged_other_runs?.length && { merged_other_runs }),
    ...(unfinished_tag_merges?.length && { unfinished_tag_merges }),
  };
}
