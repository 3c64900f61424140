/**
 * The review screen's slice of the API: gallery pages filtered and sorted in SQL (the grid asks
 * only for pages near the viewport), the scores the threshold slider needs, and one image's details.
 */
import { imageLabelConfidence, imageReview } from '../ml/issues';
import type { HandlersOf, ReviewApi } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { ImageDetail, ImageSource, LabelHistoryEntry } from '../../../src-shared/domain/library';
import type { CoreContext } from '../context';
import { outOfFoldSql, type RunStore } from '../ml/runs';
import { cachedSignals } from '../ml/features/cachedSignals';
import { ScoreExplainer } from '../ml/scoreAttribution';
import { featureKey } from '../ml/embed';
import { FeatureStore } from '../ml/featureStore';
import { defectNetCard } from '../ml/features/defectNet';
import { defectReason } from '../ml/features/defects';
import { GalleryPager } from './page';
import { SketchCache } from './sketch';
import { SKETCH_BINS } from '../../../src-shared/domain/thresholdSketch';

/** What the review handlers need from the run store (core/ml/runs.ts). */
type RunLookup = Pick<RunStore, 'activeRunId' | 'requireRun' | 'runThresholds' | 'runThresholdViews' | 'curatorThreshold' | 'thresholdInForce' | 'model'>;

const FROM = `FROM images i JOIN labels l ON l.image_id = i.id
  LEFT JOIN predictions p ON p.run_id = @run AND p.image_id = i.id
  LEFT JOIN label_issues li ON li.run_id = @run AND li.image_id = i.id`;

export function reviewHandlers(core: CoreContext, runs: RunLookup, modelsDir: string): HandlersOf<ReviewApi> {
  const { db } = core;
  // Index-driven queries, keyset paging and cached totals (page.ts).
  // The pager takes "predicted bad/good" totals from the slider's kept bins, and keeps its caches
  // across the sketch's own stores (nothing a page reads changes).
  const pager: GalleryPager = new GalleryPager(db, (run, t) => sketches.flaggedIfKept(run, t));
  const sketches: SketchCache = new SketchCache(db, SKETCH_BINS, (changes) => pager.noteOwnChanges(changes));
  const explainer = new ScoreExplainer(db, runs);
  const features = new FeatureStore(db);

  return {
    'review.page': async (q) => {
      // A run asked for by id must exist (as review.scores says); without one, the active run or none.
      const runId = q.runId === undefined ? runs.activeRunId() : runs.requireRun(q.runId, { finished: false });
      const threshold = runs.thresholdInForce(runId, q.threshold).threshold;
      return { ...pager.page(q, runId, threshold), run_id: runId, threshold };
    },

    'review.scores': async ({ runId }) => {
      const id = runs.requireRun(runId, { finished: false });
      const { recommended, bestBound } = runs.runThresholds(id);
      const { estimate, targetError } = runs.runThresholdViews(id);
      const curator = runs.curatorThreshold(id);
      const inForce = runs.thresholdInForce(id);
      // Exact at every threshold the slider marks. Every scored image is counted once per run and
      // set of predictions; a label change updates only the held-out counts, from the images it touched (sketch.ts).
      const marked = [recommended, bestBound, estimate?.threshold ?? null, curator, inForce.threshold];
      const sketch = sketches.sketch(id, marked);
      return { run_id: id, sketch, recommended, best_bound: bestBound, estimate, target_error: targetError, curator, in_force: inForce };
    },

    'images.get': async ({ imageId }) => {
      const runId = runs.activeRunId();
      const row = db
        .prepare(
          `SELECT i.id AS image_id, i.sha256, i.format, i.bytes, i.width, i.height, i.rating, i.rating_class, i.exemplar, i.path,
                  l.label, l.origin, p.p_bad, li.rank AS issue_rank, li.estimated = 0 AS issue_beyond_estimate,
                  COALESCE(${outOfFoldSql('p')}, 0) AS out_of_fold
           ${FROM} WHERE i.id = @id`,
        )
        .get({ run: runId ?? -1, id: imageId }) as (Omit<ImageDetail, 'exemplar' | 'signals' | 'reasons' | 'sources' | 'history'> & { exemplar: number; path: string; out_of_fold: number }) | undefined;
      if (!row) throw new QcError('not_found', `no image with id ${imageId}`);
      const sources = (
        db
          // A row of a shard's copy is named as the curator's bundle and line (migrations 020, 021).
          .prepare(
            `SELECT s.url, s.kind, s.eol_id, s.ancestry, COALESCE(b.shown_origin, s.origin) AS origin, COALESCE(s.shown_line, s.line) AS line, s.raw
             FROM source_rows s JOIN image_urls u ON u.url = s.url LEFT JOIN bundles b ON b.origin = s.origin WHERE u.image_id = ? ORDER BY s.id`,
          )
          .all(imageId) as (Omit<ImageSource, 'raw'> & { raw: string })[]
      ).map((s) => ({ ...s, raw: JSON.parse(s.raw) as Record<string, string> }));
      const history = db
        .prepare(
          `SELECT e.batch_id, b.actor, e.old_label, e.new_label, e.old_origin, e.new_origin, b.created_at
           FROM label_events e JOIN label_batches b ON b.id = e.batch_id WHERE e.image_id = ? ORDER BY e.id`,
        )
        .all(imageId) as LabelHistoryEntry[];
      // The signals `qc embed` cached; a preview never decodes the original on the main thread.
      const cached = cachedSignals(db, row.sha256);
      const signals = cached ? ({ ...cached.signals } as Record<string, number>) : null;
      const reasons: string[] = [...(cached?.reasons ?? [])];
      // What the defect net saw in its patches, when its block is cached (features/defects.ts).
      const defects = features.get(row.sha256, featureKey('defects', ''));
      const card = defects && defectNetCard(modelsDir);
      const defectLine = defects && card ? defectReason(defects, card.kinds) : null;
      if (defectLine) reasons.push(defectLine);
      const { path: _path, exemplar, out_of_fold: outOfFold, ...rest } = row;
      // The final model's attribution, saying whether that is the score shown (scoreAttribution.ts).
      const attribution = runId !== null && row.p_bad !== null ? explainer.explain(runId, row.sha256, { p_bad: row.p_bad, outOfFold: outOfFold === 1 }) : null;
      return { ...rest, exemplar: exemplar === 1, signals, reasons, sources, history, label_confidence: imageLabelConfidence(db, core.labels.rule(), imageId), issue_review: imageReview(db, imageId), attribution };
    },
  };
}
