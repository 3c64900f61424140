import type { KeyboardEvent } from 'react';
import { useApp, useAppStore } from '../../stores/app';
import { Filters } from '../review/Filters';
import { Gallery } from '../review/Gallery';
import { CompareView } from '../review/CompareView';
import { handleGalleryKey, useGalleryKeys } from '../review/keys';
import { KeyHelp } from '../review/KeyHelp';
import { PreviewPane } from '../review/PreviewPane';
import { SelectionBar, useScoresOnMount } from '../review/ReviewScreen';
import { IssueReviewBar } from './IssueReviewBar';

/** Probable label issues of the active run, most suspicious first, with the review controls. */
export function IssuesScreen() {
  const store = useAppStore();
  useScoresOnMount();
  useGalleryKeys('issues');
  const status = useApp((s) => s.scoresStatus);
  const runId = useApp((s) => s.scores?.runId ?? null);
  const onKeyDown = (e: KeyboardEvent) => handleGalleryKey(e, store, 'issues');
  return (
    <section className="screen screen--issues" data-testid="screen-issues" onKeyDown={onKeyDown}>
      <header className="toolbar">
        <div className="toolbar__title">
          <h2>Label issues</h2>
          <span className="muted small">
            {status === 'none'
              ? 'Train a model first: issues are found by confident learning on held-out predictions.'
              : `Images whose label disagrees most with the held-out prediction of run ${runId ?? '…'} (confident learning), the most suspicious first. Fix with B / G / U, or confirm the label or dismiss the issue: both are remembered across retrains.`}
          </span>
        </div>
        <Filters view="issues" full={false} />
      </header>
      <SelectionBar view="issues" />
      <IssueReviewBar />
      <div className="review__body">
        <Gallery view="issues" label="Label issues" emptyText={status === 'none' ? 'No trained model yet.' : 'No label issues found.'} />
        <PreviewPane />
      </div>
      <CompareView view="issues" />
      <KeyHelp />
    </section>
  );
}
