/** The ML engine's and the export's slices of the API. */
import fs from 'node:fs';
import { QcError } from '../../../src-shared/contract/errors';
import { formatThreshold } from '../../../src-shared/domain/threshold';
import { importTagFiles } from './tagImport';
import type { ExportApi, HandlersOf, MlApi } from '../../../src-shared/contract/handlers';
import type { IssueReviewAction, RunSummary } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { libraryGraphFiles, writeLibraryGraphs } from '../export/graphs';
import { SeedFiles } from '../export/seedFiles';
import { modelInputs } from '../export/modelInputs';
import type { Importer } from '../library/importer';
import { ClassifyService } from './classifyService';
import { DEFAULT_BACKBONE, embedMissing } from './embedService';
import { IssueStore } from './issues';
import type { MlEngine } from './engine';
import type { RunStore } from './runs';
import { WATCH_MAX_LABEL_CHANGES } from '../watch';
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
  /**
   * Runs were archived or restored: every view reloads its runs and, when that changed the active
   * run (a restored run newer than the active one when none is pinned), its threshold, counts and
   * gallery too, as after `ml.setActive`.
   */
  const announceRuns = (activeBefore: number | null) => {
    const active = runs.activeRunId();
    if (active !== activeBefore) announceThreshold();
    core.events.emit('runs.changed', { active_run: active });
  };
  /** Finished runs whose graphs in the library this process has checked. */
  const graphsChecked = new Set<number>();
  /**
   * Write the library graphs of finished runs that lack them: runs finished by a version that wrote
   * them only after marking the run done, killed in between. Best effort, once per run and process:
   * the list of runs never fails for them.
   */
  const writeMissingGraphs = async (list: readonly RunSummary[]) => {
    for (const r of list) {
      if (r.status !== 'done' || graphsChecked.has(r.run_id)) continue;
      graphsChecked.add(r.run_id);
      if (libraryGraphFiles(core.paths.root, r.run_id).every((f) => fs.existsSync(f))) continue;
      await writeLibraryGraphs(core.paths, r.run_id, runs.epochs(r.run_id)).catch(() => []);
    }
  };
  return {
    'ml.embed': (args, ctx) =>
      embedMissing(core, engine, modelsDir, { features: args.features ?? DEFAULT_TRAIN_PARAMS.features, backbone: args.backbone ?? DEFAULT_BACKBONE, ...(args.batchSize && { batchSize: args.batchSize }) }, ctx),
    // The run's graphs are written in the library before it is marked finished (trainService).
    'ml.train': (args, ctx) => train.train(args, ctx),
    'ml.cancelTraining': ({ runId }, ctx) => train.cancel(runId, ctx.signal),
    'ml.runs': async ({ all }) => {
      const list = runs.list({ all: all ?? false });
      await writeMissingGraphs(list);
      return { active: runs.activeRunId(), runs: list };
    },
    'ml.bestRuns': async (args) => {
      const before = runs.activeRunId();
      const result = seedFiles.best(args);
      if (result.archived.length) announceRuns(before);
      return result;
    },
    'ml.archiveRuns': async ({ runIds, archived }) => {
      const before = runs.activeRunId();
      const changed = runs.setArchived(runIds, archived);
      if (changed.length) announceRuns(before);
      return { changed };
    },
    'ml.run': async ({ runId }) => runs.detail(runId),
    'ml.setActive': async ({ runId }) => {
      const active = runs.setActive(runId);
      announceThreshold();
      core.events.emit('runs.changed', { active_run: active });
      return { active };
    },
    'ml.labelIssues': async ({ runId, limit, includeReviewed, imageIds }) => {
      const id = runs.requireRun(runId, { finished: false });
      // Read by json_extract: the run's report is never parsed for a count (its list of left-out labels can run to thousands).
      const noise = runs.issueRanking(id);
      const ranking = noise ? `${noise.adjusted ? 'class-adjusted ' : ''}${noise.ranking.replace('_', '-')}, ${noise.filter.replace(/_/g, ' ')}` : null;
      // Asked by ids and no limit: every one of those ids' issues (there is at most one per image), not the first 1,000.
      return { run_id: id, ...issueStore.list(id, limit ?? (imageIds ? imageIds.length : 1000), includeReviewed ?? false, imageIds), ranking };
    },
    'ml.reviewIssues': async ({ imageIds, action, shown, undoing, restore }) => {
      const active = runs.activeRunId();
      // The images whose verdict was stored, replaced or removed (not an unlabelled one, nor one reopened with none).
      const { changed, replaced, unlabelled } = issueStore.review(imageIds, action, active, { shown, undoing, restore });
      const open = active === null ? 0 : issueStore.openCount(active);
      // Every open view, the other windows' too, follows: the images named when they are few enough
      // to send, by the verdict now holding on each one's label (a verdict restored by an undo is
      // one like any other; one restored on a label the image no longer has holds none: reopened).
      if (changed.length > WATCH_MAX_LABEL_CHANGES) core.events.emit('library.changed', { reason: 'issues' });
      else if (changed.length > 0) {
        const byAction = new Map<IssueReviewAction, number[]>();
        for (const c of changed) {
          const a = c.holds === null ? 'reopen' : c.holds === 'confirmed' ? 'confirm' : 'dismiss';
          const ids = byAction.get(a);
          if (ids) ids.push(c.image_id);
          else byAction.set(a, [c.image_id]);
        }
        // A reopen names the verdicts it restored on a label the image no longer has: another window
        // then knows they hold again if that label comes back.
        const restoredOf = new Map((restore ?? []).map((v) => [v.image_id, v]));
        for (const [a, ids] of byAction) {
          const restored = a === 'reopen' ? ids.flatMap((id) => restoredOf.get(id) ?? []) : [];
          core.events.emit('library.changed', { reason: 'issues', reviewed: { imageIds: ids, action: a, ...(restored.length > 0 && { restored }) } });
        }
      }
      return { changed: changed.length, open, ...(replaced.length > 0 && { replaced }), ...(unlabelled.length > 0 && { unlabelled }) };
    },
    'ml.classify': async (args, ctx) => {
      try {
        return await classify.classify(args, ctx);
      } finally {
        core.events.emit('library.changed', { reason: 'classify' });
      }
    },
    // The run's predictions changed (or, cancelled half way, some did): open views reload (library.changed).
    'ml.importTags': async ({ files, runId }, ctx) => {
      const id = runs.requireRun(runId);
      try {
        return await importTagFiles(core.db, files, id, ctx.signal);
      } finally {
        core.events.emit('library.changed', { reason: 'tags' });
      }
    },
    'ml.setThreshold': async ({ threshold, runId, expected }) => {
      // Naming the run: a value chosen on one run's scores never lands on another that became active meanwhile.
      const run = runId === undefined ? runs.activeRunId() : runs.requireRun(runId);
      // Read and written in one IMMEDIATE transaction: `previous` is what this call replaced, and an
      // undo (`expected`) never silently overwrites a value another window or process set meanwhile.
      const result = core.db
        .transaction(() => {
          const previous = runs.curatorThreshold(run);
          if (expected !== undefined && previous !== expected) {
            throw new QcError('conflict', `run ${run ?? '–'}'s threshold was changed elsewhere (another window or the command line) since: it is ${previous === null ? "the run's own" : formatThreshold(previous)} now; nothing was changed`);
          }
          const set = runs.setCuratorThreshold(threshold, run);
          const active = runs.activeRunId();
          return { threshold: set, previous, in_force: runs.thresholdInForce(active), active_run: active };
        })
        .immediate();
      announceThreshold();
      return result;
    },
    'export.tags': (args, ctx) => classify.exportTags(args, ctx),
    'export.training': async (args, ctx) => seedFiles.training(args, ctx),
    'export.model': (args, ctx) => seedFiles.model(args, ctx),
    'export.graphs': (args, ctx) => seedFiles.graphs(args, ctx),
    'export.features': (args, ctx) => modelInputs(engine, modelsDir, runs, args, ctx),
  };
}
