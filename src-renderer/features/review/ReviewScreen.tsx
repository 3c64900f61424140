import { useEffect, type KeyboardEvent } from 'react';
import { useApp, useAppStore } from '../../stores/app';
import type { ViewKey } from '../../stores/review';
import { fmtInt } from '../../components/format';
import { Filters } from './Filters';
import { Gallery } from './Gallery';
import { focusGallery, handleGalleryKey, useGalleryKeys } from './keys';
import { AdvanceToggle, KeyHelp } from './KeyHelp';
import { CompareView } from './CompareView';
import { useFiltersInUrl } from './urlFilters';
import { PreviewPane } from './PreviewPane';
import { ThresholdSlider } from './ThresholdSlider';

/**
 * Label buttons for mouse users; the keys do the same. A press hands the keyboard focus back to the
 * gallery: left on the button, Enter or Space (the gallery's preview) would press it again (a
 * second undo, unasked).
 */
export function SelectionBar({ view }: { view: ViewKey }) {
  const store = useAppStore();
  const selected = useApp((s) => s.views[view].selection.size);
  const total = useApp((s) => s.views[view].total);
  const s = () => store.getState();
  const press = (act: () => Promise<unknown>) => () => {
    void act();
    focusGallery(view);
  };
  return (
    <div className="selbar">
      <span className="selbar__count" data-testid="gallery-total" data-value={total ?? ''}>
        {total === null ? '…' : fmtInt(total)} images
      </span>
      <span className="selbar__count" data-testid="selection-count" data-value={selected}>
        {selected ? `${fmtInt(selected)} selected` : 'none selected'}
      </span>
      <button type="button" className="btn btn--small btn--bad" onClick={press(() => s().setLabel(view, 'bad'))} data-testid="label-bad" title="Label bad (B)">
        Bad <kbd>B</kbd>
      </button>
      <button type="button" className="btn btn--small btn--good" onClick={press(() => s().setLabel(view, 'good'))} data-testid="label-good" title="Label good (G)">
        Good <kbd>G</kbd>
      </button>
      <button type="button" className="btn btn--small" onClick={press(() => s().setLabel(view, null))} data-testid="label-none" title="Remove the label (U)">
        Unlabel <kbd>U</kbd>
      </button>
      <button type="button" className="btn btn--small" onClick={press(() => s().undo())} data-testid="label-undo" title="Undo the last label change or issue verdict (Z)">
        Undo <kbd>Z</kbd>
      </button>
      <AdvanceToggle />
      {/* "? all keys" first: on a narrow window the line is cut at its end, and ? is the way to the rest. */}
      <span className="muted small selbar__help" title="? all keys · arrows move · shift/ctrl-click select · Enter preview · C compare" data-testid="keys-hint">
        ? all keys · arrows move · shift/ctrl-click select · Enter preview · C compare
      </span>
    </div>
  );
}

export function useScoresOnMount() {
  const store = useAppStore();
  useEffect(() => {
    if (store.getState().scoresStatus === 'idle') void store.getState().loadScores();
  }, [store]);
}

export function ReviewScreen() {
  const store = useAppStore();
  useScoresOnMount();
  useGalleryKeys('review');
  useFiltersInUrl('review');
  const onKeyDown = (e: KeyboardEvent) => handleGalleryKey(e, store, 'review');
  const predicted = useApp((s) => s.views.review.filters.predicted);
  const noModel = useApp((s) => s.scoresStatus === 'none');
  return (
    <section className="screen screen--review" data-testid="screen-review" onKeyDown={onKeyDown}>
      {/* The screen's heading, as the other screens have one (for a screen reader's list of headings;
          the threshold and filters are the title a sighted curator sees). */}
      <h2 className="sr-only">
        Review
      </h2>
      <header className="toolbar">
        <ThresholdSlider />
        <Filters view="review" full />
      </header>
      <SelectionBar view="review" />
      <div className="review__body">
        <Gallery
          view="review"
          label="Review gallery"
          emptyText={noModel ? 'No images match.' : predicted === 'bad' ? 'Nothing is flagged bad at this threshold with these filters.' : 'No images match these filters.'}
        />
        <PreviewPane />
      </div>
      <CompareView view="review" />
      <KeyHelp />
    </section>
  );
}
