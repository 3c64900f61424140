/**
 * The seed's outputs as files, as API handlers: training folders and download lists, a run as an
 * ONNX model with its card, train graphs, and the N best runs (the rest archivable).
 */
import path from 'node:path';
import type { ArgsOf, CallContext, ResultOf } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { FeatureSet } from '../../../src-shared/domain/ml';
import { assessFit, rankRuns, type RankedRun } from '../../../src-shared/domain/runQuality';
import type { CoreContext } from '../context';
import { featureKey } from '../ml/embed';
import type { RunStore } from '../ml/runs';
import type { TrainedHead } from '../ml/train/types';
import { exportRunGraphs } from './graphs';
import { exportModel } from './model';
import { refuseInsideLibrary, withOutDir } from './outDir';
import { exportTraining } from './training';

/** Width of each feature block of a run, read off one cached vector per block. */
function blockWidths(core: CoreContext, sets: readonly FeatureSet[], backbone: string): Partial<Record<FeatureSet, number>> {
  const out: Partial<Record<FeatureSet, number>> = {};
  for (const s of sets) {
    const key = featureKey(s, backbone);
    const row = core.db.prepare('SELECT dim FROM features WHERE extractor = ? AND version = ? LIMIT 1').get(key.extractor, key.version) as { dim: number } | undefined;
    if (row) out[s] = row.dim;
  }
  return out;
}

export class SeedFiles {
  constructor(
    private readonly core: CoreContext,
    private readonly runs: RunStore,
    private readonly modelsDir: string,
  ) {}

  async training(args: ArgsOf<'export.training'>, ctx: CallContext): Promise<ResultOf<'export.training'>> {
    refuseInsideLibrary(args.outDir, this.core.paths.root);
    return withOutDir(args.outDir, () => exportTraining(this.core.db, this.core.paths, {
      outDir: args.outDir,
      ...(args.sample !== undefined && { sample: args.sample }),
      ...(args.seed !== undefined && { seed: args.seed }),
      signal: ctx.signal,
      onProgress: (done, total) => {
        if (done % 50 === 0 || done === total) ctx.progress({ job: 'export.training', phase: 'export', done, total });
      },
    }));
  }

  async model(args: ArgsOf<'export.model'>, ctx: Pick<CallContext, 'signal'>): Promise<ResultOf<'export.model'>> {
    refuseInsideLibrary(args.outDir, this.core.paths.root);
    if (ctx.signal.aborted) throw new QcError('cancelled', 'cancelled');
    const runId = this.runs.requireRun(args.runId);
    const run = this.runs.detail(runId);
    const { head } = this.runs.model(runId) as { head: TrainedHead };
    const widths = blockWidths(this.core, run.params.features, run.params.backbone);
    // The run's train graphs travel with its model (the seed kept saved_models/ and train_graphs/ side by side), published together.
    const r = await withOutDir(args.outDir, () =>
      exportModel({ run, head, modelsDir: this.modelsDir, outDir: args.outDir, widths, graphs: true, owners: this.core.paths.owners, inForce: this.runs.thresholdInForce(runId), signal: ctx.signal }),
    );
    return { run_id: runId, ...r };
  }

  async graphs(args: ArgsOf<'export.graphs'>, ctx: Pick<CallContext, 'signal'>): Promise<ResultOf<'export.graphs'>> {
    refuseInsideLibrary(args.outDir, this.core.paths.root);
    const runId = this.runs.requireRun(args.runId, { finished: false });
    const epochs = this.runs.detail(runId).evaluation?.epochs ?? [];
    if (!epochs.length) throw new QcError('bad_input', `run ${runId} has no epoch curves (it did not finish training)`);
    const { files, fit } = await withOutDir(args.outDir, () => exportRunGraphs(runId, epochs, path.resolve(args.outDir), { owners: this.core.paths.owners, signal: ctx.signal }));
    return { run_id: runId, files, fit };
  }

  best(args: ArgsOf<'ml.bestRuns'>): ResultOf<'ml.bestRuns'> {
    const n = args.n ?? 3;
    if (!Number.isInteger(n) || n < 1) throw new QcError('bad_input', `n must be a positive integer, got ${n}`);
    const finished = this.runs.list({ all: true }).filter((r) => r.status === 'done');
    const aucNow = new Map(finished.map((r) => [r.run_id, this.runs.heldoutAucNow(r.run_id)]));
    const ranked = rankRuns(finished, aucNow);
    const runs: RankedRun[] = ranked.slice(0, n).map((r, i) => ({ ...r, rank: i + 1, fit: assessFit(this.runs.detail(r.run_id).evaluation?.epochs ?? []), auc_now: aucNow.get(r.run_id)! }));
    let archived: number[] = [];
    if (args.archiveRest) {
      const keep = new Set(runs.map((r) => r.run_id));
      const active = this.runs.activeRunId();
      archived = this.runs.setArchived(
        ranked.filter((r) => !keep.has(r.run_id) && r.run_id !== active).map((r) => r.run_id),
        true,
      );
    }
    return { runs, archived };
  }
}
