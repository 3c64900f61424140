/** Selection in the review gallery: the focused tile, an anchor for shift-ranges, ctrl/cmd toggles. */
import type { GalleryItem } from '../../src-shared/domain/library';
import type { GalleryInternals, ViewKey } from './reviewGallery';
import { PAGE_SIZE } from './reviewGallery';
import type { GetState } from './types';

/** The largest shift-click range (one `labels.set` call). */
export const MAX_RANGE = 20_000;

/**
 * The page fetches one range keeps in flight at once. A window's session answers at most 64 calls
 * at a time and refuses the rest (core/session.ts), and a range of 20,000 images is 100 pages: sent
 * together they were refused and nothing was selected. The core answers them one after another on
 * its one thread anyway, so a few at a time lose no time, and leave room for the grid's own pages
 * and the curator's labels. (p-limit is Node-side only: the renderer loads a short list of packages.)
 */
export const RANGE_FETCHES = 8;

export interface SelectionSlice {
  /** Move the focus; with `extend` the selection becomes the range anchor..index, else just that tile. */
  focusIndex(view: ViewKey, index: number, opts?: { extend?: boolean }): void;
  /** Click semantics: plain selects and opens the preview, shift selects a range, toggle (ctrl/cmd) adds or removes. */
  clickTile(view: ViewKey, index: number, mods?: { shift?: boolean; toggle?: boolean }): Promise<void>;
  selectRange(view: ViewKey, from: number, to: number): Promise<void>;
  clearSelection(view: ViewKey): void;
}

export function selectionSlice(get: GetState, g: GalleryInternals, onFocusMoved: (view: ViewKey) => void): SelectionSlice {
  const { updateView, itemAt, fetchPage, focusChosen, selectWhenShown } = g;
  /** The latest range asked for, per view: an earlier one still fetching pages does not overwrite it. */
  const latestRange = new Map<ViewKey, number>();
  /**
   * The tiles of page `p` as shown: this version's, else those a refresh on its way has not replaced
   * yet (a range is the images the curator sees between its ends, not those the new list will put there).
   */
  const shownPage = (view: ViewKey, p: number) => {
    const v = get().views[view];
    return v.pages.get(p) ?? v.previous.get(p);
  };
  /** The images at lo..hi from the loaded pages, or null if one of those pages is not loaded. */
  const rangeOf = (view: ViewKey, lo: number, hi: number): Set<number> | null => {
    const selection = new Set<number>();
    for (let k = lo; k <= hi; k++) {
      const page = shownPage(view, Math.floor(k / PAGE_SIZE));
      if (!page) return null;
      const it = page[k % PAGE_SIZE];
      if (it) selection.add(it.image_id);
    }
    return selection;
  };
  /**
   * Any other change of the selection (Escape, a click, a key moving the focus) cancels a range still
   * fetching its pages: it asked for 20,000 images, and the curator has since chosen otherwise (an
   * Escape or a click during a Ctrl+A's 1.2 s was overridden: the next B labelled 20,000 images).
   */
  const cancelRanges = (view: ViewKey) => latestRange.set(view, (latestRange.get(view) ?? 0) + 1);
  return {
    focusIndex(view, index, opts = {}) {
      const v = get().views[view];
      const total = v.total ?? 0;
      if (total === 0) return;
      const i = Math.max(0, Math.min(total - 1, index));
      // One tile pins the image it shows (a refresh's old tile included: the focus follows it into the new list); a range pins none.
      focusChosen(view, opts.extend ? undefined : i);
      if (opts.extend) {
        // The range as a shift-click makes it: pages not loaded yet (Shift+End from the first tile)
        // are fetched, so the selection is every image between, not the cached ones.
        const anchor = v.anchor ?? v.focus;
        const lo = Math.min(anchor, i);
        const hi = Math.max(anchor, i);
        const cached = hi - lo < MAX_RANGE ? rangeOf(view, lo, hi) : null;
        if (cached) {
          latestRange.set(view, (latestRange.get(view) ?? 0) + 1);
          updateView(view, () => ({ focus: i, anchor, selection: cached }));
        } else {
          updateView(view, () => ({ focus: i, anchor }));
          void get().selectRange(view, anchor, i);
        }
      } else {
        cancelRanges(view);
        const it = itemAt(view, i);
        updateView(view, () => ({ focus: i, anchor: i, selection: it ? new Set([it.image_id]) : new Set() }));
        // A tile not loaded yet (End, PageDown): selected when it comes.
        if (!it) selectWhenShown(view, i);
      }
      onFocusMoved(view);
    },

    async clickTile(view, index, mods = {}) {
      // The image under the pointer, even a tile a refresh has not replaced yet.
      focusChosen(view, index);
      const v = get().views[view];
      const it = itemAt(view, index);
      if (mods.shift) {
        // The focus first: a refresh's page answered while the range loads moves it with the image clicked.
        updateView(view, () => ({ focus: index }));
        await get().selectRange(view, v.anchor ?? v.focus, index);
      } else if (mods.toggle) {
        if (!it) return;
        cancelRanges(view);
        const selection = new Set(v.selection);
        if (selection.has(it.image_id)) selection.delete(it.image_id);
        else selection.add(it.image_id);
        updateView(view, () => ({ selection, anchor: index, focus: index }));
      } else {
        cancelRanges(view);
        updateView(view, () => ({ focus: index, anchor: index, selection: it ? new Set([it.image_id]) : new Set() }));
        get().openPreview(view);
      }
    },

    async selectRange(view, from, to) {
      let lo = Math.max(0, Math.min(from, to));
      let hi = Math.max(from, to);
      const total = get().views[view].total ?? 0;
      hi = Math.min(hi, total - 1);
      if (hi < lo) return;
      if (hi - lo + 1 > MAX_RANGE) {
        get().toast('info', `A range selects at most ${MAX_RANGE.toLocaleString()} images`);
        if (to >= from) hi = lo + MAX_RANGE - 1;
        else lo = hi - MAX_RANGE + 1;
      }
      const version = get().views[view].version;
      const ask = (latestRange.get(view) ?? 0) + 1;
      latestRange.set(view, ask);
      // Each page's images are taken as soon as it is there: a range wider than the pages the
      // gallery keeps (100 pages against 40) would otherwise lose its first pages to eviction.
      const byPage = new Map<number, number[]>();
      const take = (p: number, items: readonly GalleryItem[] | null | undefined) => {
        if (items) byPage.set(p, items.map((it) => it.image_id));
      };
      const first = Math.floor(lo / PAGE_SIZE);
      const last = Math.floor(hi / PAGE_SIZE);
      const missing: number[] = [];
      // The tiles shown, when they cover the whole range; else the new list's pages only (old and
      // new pages side by side would repeat or skip the images that moved between them).
      let shown = true;
      for (let p = first; shown && p <= last; p++) shown = shownPage(view, p) !== undefined;
      for (let p = first; p <= last; p++) {
        const cached = shown ? shownPage(view, p) : get().views[view].pages.get(p);
        if (cached) take(p, cached);
        else missing.push(p);
      }
      // A newer range, or a new version of the list, cancels this one: it asks for no more pages.
      const current = () => get().views[view].version === version && latestRange.get(view) === ask;
      let next = 0;
      let failed = false;
      const fetcher = async () => {
        // A page that could not be loaded leaves nothing to select: the rest are not asked for.
        while (next < missing.length && !failed && current()) {
          const p = missing[next++]!;
          const items = await fetchPage(view, p);
          if (items) take(p, items);
          else failed = true;
        }
      };
      await Promise.all(Array.from({ length: Math.min(RANGE_FETCHES, missing.length) }, fetcher));
      if (!current()) return;
      const selection = new Set<number>();
      let complete = true;
      for (let p = first; p <= last; p++) {
        const ids = byPage.get(p);
        if (!ids) {
          complete = false;
          continue;
        }
        const start = p === first ? lo - p * PAGE_SIZE : 0;
        const end = p === last ? hi - p * PAGE_SIZE : PAGE_SIZE - 1;
        for (let k = start; k <= end && k < ids.length; k++) selection.add(ids[k]!);
      }
      if (!complete) get().toast('error', 'Part of the range could not be loaded; nothing was selected');
      updateView(view, (v) => ({ selection: complete ? selection : new Set(), anchor: v.anchor ?? from }));
    },

    clearSelection(view) {
      cancelRanges(view);
      selectWhenShown(view, null);
      updateView(view, () => ({ selection: new Set() }));
    },
  };
}
