/**
 * What an export of the library will tag bad, beside Review's "flagged": the slider counts what the
 * model flags among the scored images, but on export a curator's label decides its own image
 * (tags.ts `finalTag`: a curator's bad is tagged bad, flagged or not; a curator's good is not), so
 * the two numbers differ as soon as the curator disagrees with the model. This says by how much and
 * why, in the curator's words, from the gallery's own totals (`review.page` at the threshold in
 * force), so no client reimplements the export's rule.
 */
import { useEffect, useState } from 'react';
import { useApp, useClient } from '../../stores/app';
import { fmtCount, fmtInt, fmtT } from '../../components/format';
import { noun } from '../../../src-shared/domain/words';
import type { ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';

export interface ExportTallyCounts {
  /** The threshold in force the counts are at. */
  threshold: number;
  /** Images the model flags at `threshold` (p(bad) ≥ threshold). */
  flagged: number;
  /** Of those, the ones a curator labelled good: exports tag them NA. */
  flaggedGood: number;
  /** Images the model does not flag (or has not scored) that a curator labelled bad: exports tag them bad. */
  unflaggedBad: number;
}

/** How many images exports tag bad: the model's flags, corrected by the curator's labels. */
export function taggedBad(c: ExportTallyCounts): number {
  return c.flagged - c.flaggedGood + c.unflaggedBad;
}

/** The reconciliation in words, or null when exports tag exactly the images the model flags. */
export function exportTallyWords(c: ExportTallyCounts): string | null {
  if (c.flaggedGood === 0 && c.unflaggedBad === 0) return null;
  const tagged = taggedBad(c);
  const why: string[] = [];
  if (c.flaggedGood > 0) why.push(`${fmtInt(c.flaggedGood)} flagged ${noun(c.flaggedGood, 'image is', 'images are')} labelled good by you`);
  if (c.unflaggedBad > 0) why.push(`${fmtInt(c.unflaggedBad)} unflagged ${noun(c.unflaggedBad, 'image is', 'images are')} labelled bad by you`);
  return `${fmtCount(tagged, 'image')} will be tagged bad in exports, not the ${fmtInt(c.flagged)} flagged at ${fmtT(c.threshold)}: ${why.join(', and ')}.`;
}

/**
 * The counts behind {@link exportTallyWords} for run `runId` at `threshold`, counted again whenever
 * the slider's sketch is (`sketch`: a new one after every label change) or the library's count of
 * curator labels changes, and null until they come (or when a count fails: the line is left out,
 * nothing else depends on it).
 */
function useExportTally(runId: number, threshold: number, sketch: ThresholdSketch): ExportTallyCounts | null {
  const client = useClient();
  // Without a curator label exports tag exactly what the model flags: nothing to count (and no calls).
  const curatorLabels = useApp((s) => s.status?.labels_by_origin.curator ?? 0);
  const [counts, setCounts] = useState<ExportTallyCounts | null>(null);
  useEffect(() => {
    if (curatorLabels === 0) {
      setCounts(null);
      return;
    }
    let current = true;
    const total = async (q: { predicted?: 'bad'; label?: 'good' | 'bad'; origin?: 'curator' }) =>
      (await client.call('review.page', { runId, threshold, offset: 0, limit: 1, ...q })).total;
    void (async () => {
      try {
        const [flagged, flaggedGood, flaggedBad, curatorBad] = await Promise.all([
          total({ predicted: 'bad' }),
          total({ predicted: 'bad', origin: 'curator', label: 'good' }),
          total({ predicted: 'bad', origin: 'curator', label: 'bad' }),
          // Every curator-bad image, scored or not: an unscored one is tagged bad too.
          total({ origin: 'curator', label: 'bad' }),
        ]);
        if (current) setCounts({ threshold, flagged, flaggedGood, unflaggedBad: curatorBad - flaggedBad });
      } catch {
        if (current) setCounts(null);
      }
    })();
    return () => {
      current = false;
    };
  }, [client, runId, threshold, sketch, curatorLabels]);
  // Counts of another threshold are not shown under this one.
  return counts?.threshold === threshold ? counts : null;
}

/**
 * The rows a library export writes beyond the gallery's images: predictions merged by URL from tag
 * files whose picture is not in this library (status.url_predictions), tagged by their merged
 * p(bad). Review cannot count them among its flags, so it says they are there; null when none.
 */
export function mergedRowsWords(urls: number): string | null {
  if (urls <= 0) return null;
  return `Exports also write ${fmtCount(urls, 'row')} merged from tag files for pictures not in this library, tagged by their merged p(bad) and not counted here.`;
}

export function ExportTally({ runId, threshold, sketch }: { runId: number; threshold: number; sketch: ThresholdSketch }) {
  const counts = useExportTally(runId, threshold, sketch);
  const words = counts && exportTallyWords(counts);
  const merged = useApp((s) => (s.status?.url_predictions.run_id === runId ? s.status.url_predictions.urls : 0));
  const mergedWords = mergedRowsWords(merged);
  if (!words && !mergedWords) return null;
  return (
    <>
      {counts && words && (
        <span className="muted small" data-testid="threshold-export-tally" data-tagged={taggedBad(counts)} data-flagged={counts.flagged}>
          {words}
        </span>
      )}
      {mergedWords && (
        <span className="muted small" data-testid="threshold-export-merged" data-rows={merged}>
          {mergedWords}
        </span>
      )}
    </>
  );
}
