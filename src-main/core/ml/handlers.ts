/** The ML engine's and the export's slices of the API. */
import { importTagFiles } from './tagImport';
import type { ExportApi, HandlersOf, MlApi } from '../../../src-shared/contract/handlers';
import type { CoreContext } from '../context';
import { SeedFiles } from '../export/seedFiles';
import type { Importer } from '../library/importer';
import { ClassifyService } from './classifyService';
import { DEFAULT_BACKBONE, embedMissing } from './embedService';
import { IssueStore } from './issues';
import type { MlEngine } from './engine';
import type { RunStore } from './runs';
import { DEFAULT_TRAIN_PARAMS, type TrainService } from './trainService';

export function mlHandlers(core: CoreContext, engine: MlEngine, modelsDir: string, importer: Importer, train: TrainService, runs: RunStore): HandlersOf<MlApi> & HandlersOf<ExportApi> {
  const classify = new ClassifyService(core, engine, modelsDir, importer, runs);
  const seedFiles = new SeedFiles(core, runs, modelsDir);
  const issueStore = new IssueStore(core.db);
  /** Tell every open view the threshold now in force (see EventMap['threshold.changed']). */
  const announceThreshold = () => {
    const active = runs.activeRunId();
    core.events.emit('threshold.changed', { curator: runs.curatorThreshold(), active_run: active, in_force: active === null ? null : runs.thresholdInForce(active) });
  };
  return {
    'ml.embed': (args, ctx) =>
      embedMissing(core, engine, modelsDir, { features: args.features ?? DEFAULT_TRAIN_PARAMS.features, backbone: args.backbone ?? DEFAULT_BACKBONE, ...(args.batchSize && { batchSize: args.batchSize }) }, ctx),
    'ml.train': async (args, ctx) => {
      const run = await train.train(args, ctx);
      if (run.status === 'done') await seedFiles.writeLibraryGraphs(run.run_id);
      return run;
    },
    'ml.runs': async ({ all }) => ({ active: runs.activeRunId(), runs: runs.list({ all: all ?? false }) }),
    'ml.bestRuns': async (args) => seedFiles.best(args),
    'ml.archiveRuns': async ({ runIds, archived }) => {
      const changed = runs.setArchived(runIds, archived);
      if (changed.length) core.events.emit('runs.changed', { active_run: runs.activeRunId() });
      return { changed };
    },
    'ml.run': async ({ runId }) => runs.detail(runId),
    'ml.setActive': async ({ runId }) => {
      const active = runs.setActive(runId);
      announceThreshold();
      core.events.emit('runs.changed', { active_run: active });
      return { active };
    },
    'ml.labelIssues': async ({ runId, limit, includeReviewed }) => {
      const id = runs.requireRun(runId, { finished: false });
      const noise = runs.detail(id).evaluation?.noise;
      const ranking = noise ? `${noise.adjusted ? 'class-adjusted ' : ''}${noise.ranking.replace('_', '-')}, ${noise.filter.replace(/_/g, ' ')}` : null;
      return { run_id: id, ...issueStore.list(id, limit ?? 1000, includeReviewed ?? false), ranking };
    },
    'ml.reviewIssues': async ({ imageIds, action }) => {
      const active = runs.activeRunId();
      const changed = issueStore.review(imageIds, action, active);
      const open = active === null ? 0 : issueStore.openCount(active);
      return { changed, open };
    },
    'ml.classify': async (args, ctx) => {
      try {
        return await classify.classify(args, ctx);
      } finally {
        core.events.emit('library.changed', { reason: 'classify' });
      }
    },
    'ml.importTags': ({ files, runId }, ctx) => importTagFiles(core.db, files, runs.requireRun(runId), ctx.signal),
    'ml.setThreshold': async ({ threshold }) => {
      const result = { threshold: runs.setCuratorThreshold(threshold), in_force: runs.thresholdInForce(runs.activeRunId()) };
      announceThreshold();
      return result;
    },
    'export.tags': (args, ctx) => classify.exportTags(args, ctx),
    'export.training': async (args, ctx) => seedFiles.training(args, ctx),
    'export.model': (args) => seedFiles.model(args),
    'export.graphs': (args) => seedFiles.graphs(args),
  };
}
