/**
 * The review screens' state, one concern per file, composed here into one slice:
 *
 * - reviewGallery.ts: filters and the cache of gallery pages (two views: `review`, `issues`);
 * - reviewSelection.ts: focus, shift-ranges and toggles;
 * - reviewLabelling.ts: optimistic labelling with rollback, undo, pushed changes;
 * - reviewThreshold.ts: the run's scores, the threshold in force (the core's), the slider;
 * - reviewPreview.ts: the focused image's details.
 */
import type { GalleryInternals, GallerySlice } from './reviewGallery';
import { gallerySlice } from './reviewGallery';
import { labellingSlice, type LabellingSlice } from './reviewLabelling';
import { previewSlice, type PreviewSlice } from './reviewPreview';
import { selectionSlice, type SelectionSlice } from './reviewSelection';
import { thresholdSlice, type ThresholdSlice } from './reviewThreshold';
import type { Slice } from './types';

export * from './reviewGallery';
export * from './reviewLabelling';
export * from './reviewPreview';
export * from './reviewSelection';
export * from './reviewThreshold';

export type ReviewSlice = GallerySlice & SelectionSlice & LabellingSlice & ThresholdSlice & PreviewSlice;

export const reviewSlice: Slice<ReviewSlice> = (set, get, client) => {
  let gallery: GalleryInternals | null = null;
  const threshold = thresholdSlice(set, get, client, () => gallery!);
  const g = gallerySlice(set, get, client, {
    ready: threshold.internals.ready,
    threshold: threshold.internals.galleryThreshold,
    filtersChanged: threshold.internals.filtersChanged,
    // At once, not after the preview's pause: the image it names is the one B/G would label.
    focusMoved: (view) => {
      if (get().preview.open && get().preview.view === view) void get().loadDetail();
    },
  });
  gallery = g.internals;
  const preview = previewSlice(set, get, client, g.internals);
  return {
    ...g.slice,
    ...selectionSlice(get, g.internals, preview.internals.focusMoved),
    ...labellingSlice(get, client, g.internals, preview.internals),
    ...threshold.slice,
    ...preview.slice,
  };
};
