/**
 * The why-line of a label issue on screen, and the run's score beside it. The issue's p(bad) comes
 * from the label issues' own out-of-fold pass (src-shared/domain/labelIssue.ts, core/ml/trainJob.ts),
 * the tile's and the preview's from the run's scores: the two can disagree (an issue "looks good" to
 * its pass while the run flags the image). The line names both, and says on which side of the
 * threshold the run's own score falls, so "looks good" never reads as the tile's number.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { LabelIssue } from '../../../src-shared/domain/ml';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { fmtPAt, fmtT } from '../../components/format';
import { useApp, useClient } from '../../stores/app';
import { issuesSource } from './openIssues';

/**
 * The run's p(bad) of the issue's image in a few words (`where`: where the curator sees it, "on the
 * tile" or "above"), written as the tile writes it, with its side of the threshold: as the label
 * says, or against the label too (as the issue's pass). Null without a score.
 */
export function runScoreWords(issue: Pick<LabelIssue, 'given'>, p: number | null | undefined, threshold: number | null, where: string): string | null {
  if (p === null || p === undefined || !Number.isFinite(p)) return null;
  const head = `the run's p(bad) ${where} ${fmtPAt(p, threshold)}`;
  if (threshold === null || !Number.isFinite(threshold)) return head;
  const flagged = p >= threshold;
  const asLabelled = flagged === (issue.given === 'bad');
  return `${head}: ${flagged ? 'flagged' : 'not flagged'} at ${fmtT(threshold)}, ${asLabelled ? 'as labelled' : 'against the label too'}`;
}

/** The issue's why-line, then the run's score (`where` the curator sees it); `testId`: its parts' test ids start so. */
export function IssueWhyText({ issue, p, threshold, where, testId }: { issue: LabelIssue; p: number | null | undefined; threshold: number | null; where: string; testId: string }) {
  const run = runScoreWords(issue, p, threshold, where);
  return (
    <>
      <span data-testid={`${testId}-pass`}>{issueWhy(issue)}</span>
      {run && (
        <span data-testid={`${testId}-run`} data-as-labelled={/as labelled$/.test(run) ? 'true' : 'false'}>
          {' '}
          · {run}
        </span>
      )}
    </>
  );
}

/**
 * The preview's why-line of an open issue (its image `imageId`, ranked `rank` by the active run):
 * from the open issues Label issues holds (asked for by id there when past its list), else (on
 * Review, where no list is held) asked for by id here, one small question per image previewed.
 * `p`: the run's p(bad) the preview shows above.
 */
export function PreviewIssueWhy({ imageId, rank, p, threshold }: { imageId: number; rank: number; p: number | null; threshold: number | null }) {
  const client = useClient();
  const source = issuesSource(client);
  // Subscribed only: mounting this asks for no list (useOpenIssues would, on every preview).
  const held = useSyncExternalStore(source.subscribe, source.get).byImage.get(imageId);
  const runId = useApp((s) => s.activeRunId);
  const [asked, setAsked] = useState<{ imageId: number; runId: number | null; issue: LabelIssue | null } | null>(null);
  const mine = asked && asked.imageId === imageId && asked.runId === runId ? asked : null;
  useEffect(() => {
    // Label issues' bar asks for its focused image itself (whyOf); Review holds no list: ask here.
    // An issue the source knows closed (relabelled, a verdict given) has no why-line to ask for.
    if (held || source.closed(imageId) || source.whyOf(imageId, rank) || runId === null) return;
    let live = true;
    client.call('ml.labelIssues', { runId, imageIds: [imageId], limit: 1 }).then(
      (r) => live && setAsked({ imageId, runId, issue: r.issues[0] ?? null }),
      () => live && setAsked({ imageId, runId, issue: null }),
    );
    return () => {
      live = false;
    };
  }, [client, source, imageId, rank, runId, held]);
  const issue = held ?? mine?.issue ?? null;
  if (!issue) return null;
  return (
    <div className="small" data-testid="preview-issue-why">
      <IssueWhyText issue={issue} p={p} threshold={threshold} where="above" testId="preview-issue-why" />
    </div>
  );
}
