/**
 * The review gallery's pages: filters, a cache of gallery pages by offset (only pages near the
 * viewport are fetched, the farthest dropped first), and label patches applied to every cached
 * page. Two views share it: `review` (the main gallery) and `issues` (probable label issues, ranked).
 */
import type { GalleryItem, LabelOrigin, LabelValue, ReviewQuery } from '../../src-shared/domain/library';
import type { ApiClient } from '../api/client';
import { errorText } from '../api/errorText';
import type { GetState, SetState } from './types';

export type ViewKey = 'review' | 'issues';
export const VIEW_KEYS: readonly ViewKey[] = ['review', 'issues'];

/** Items per `review.page` call. */
export const PAGE_SIZE = 200;
/** Pages kept in memory per view; the farthest from the viewport are dropped first. */
export const MAX_CACHED_PAGES = 40;

export interface GalleryFilters {
  predicted: 'bad' | 'good' | 'all';
  outcome: 'all' | 'tp' | 'fp' | 'tn' | 'fn' | 'unlabeled';
  taxon: string;
  origin: LabelOrigin | 'any';
  label: 'good' | 'bad' | 'none' | 'any';
  sort: 'confidence' | 'issue-rank' | 'id';
  order: 'asc' | 'desc';
  /** Only images from one import (`import:ID`) or one bundle (`bundle:ID`); empty or absent: all. */
  source?: string;
}

export interface GalleryView {
  filters: GalleryFilters;
  /** Bumped on every refresh: answers for an older version are dropped. */
  version: number;
  /** Items matching the query (from the last page answer); null before the first one. */
  total: number | null;
  /** Page number (offset / PAGE_SIZE) → items. */
  pages: ReadonlyMap<number, GalleryItem[]>;
  /**
   * The tiles a background refresh replaces, shown (and clickable, and what B/G and the preview
   * take) until this version's pages come: the version before's pages, each dropped when this
   * version's page of the same number comes, all when no page of this version is on its way any
   * more. Empty after a new query (its first rows are not the old ones) and when no refresh is
   * pending. `pages` alone is what this version's list holds (ranges, the unseen selection).
   */
  previous: ReadonlyMap<number, GalleryItem[]>;
  selection: ReadonlySet<number>;
  /** Index where a shift-range starts. */
  anchor: number | null;
  /** Index of the focused tile. */
  focus: number;
  loadError: string | null;
  /** The run and threshold the core used for the last page answer of this version (null before one). */
  basis: { runId: number | null; threshold: number } | null;
  /**
   * Bumped when the curator changes the filters: the grid goes back to the first row (a scroll
   * position in the old results means nothing in the new ones, and the first page is then the one
   * fetched first). Refreshes for other reasons (labels, the threshold) keep the position.
   */
  resetScroll: number;
}

export interface GallerySlice {
  views: Record<ViewKey, GalleryView>;
  /** Columns and visible rows of each grid (for up/down and page keys). */
  layout: Record<ViewKey, { cols: number; rows: number }>;
  setLayout(view: ViewKey, cols: number, rows: number): void;
  setFilters(view: ViewKey, patch: Partial<GalleryFilters>): void;
  /**
   * Drop the cached pages and fetch what is in view again. `focusOn`: the focus goes to that image
   * when the new list holds it (else it stays where it is), and the selection becomes `selection`
   * (an undone verdict brings its issues back focused and selected). A selection kept or given here
   * (in Label issues, or by `focusOn`) loses the images the new list turns out not to hold, once all
   * its pages are loaded: B would label images not shown.
   */
  refreshView(view: ViewKey, opts?: { focusOn?: { imageId: number; selection: ReadonlySet<number> } }): void;
  /** Fetch the pages covering indices start..end that are not cached (the grid calls this for rows near the viewport). */
  ensureRange(view: ViewKey, start: number, end: number): void;
  /** The view's first page, fetched now unless cached or on its way (resolves when it is there or failed). */
  loadFirstPage(view: ViewKey): Promise<void>;
  /** The grid reports that a thumbnail of the view has loaded (the first paint is done). */
  tilesShown(view: ViewKey): void;
  /** Resolves once the view has shown a thumbnail, or after `ms`. */
  whenTilesShown(view: ViewKey, ms: number): Promise<void>;
  itemAt(view: ViewKey, index: number): GalleryItem | undefined;
  /**
   * Verdicts given here on the images' label issues (`verdict`), or taken back (null): their cached
   * tiles show the issue closed or open again, and the preview the verdict, until the core's next
   * answer says otherwise. `shown` (with null): the label each verdict was given on, in the order of
   * `imageIds`; a tile whose label is no longer that stays closed (it opens when that label comes back).
   */
  issuesReviewed(imageIds: readonly number[], verdict: 'confirmed' | 'dismissed' | null, shown?: readonly ('good' | 'bad')[]): void;
}

export const DEFAULT_FILTERS: Record<ViewKey, GalleryFilters> = {
  review: { predicted: 'bad', outcome: 'all', taxon: '', origin: 'any', label: 'any', sort: 'confidence', order: 'desc' },
  issues: { predicted: 'all', outcome: 'all', taxon: '', origin: 'any', label: 'any', sort: 'issue-rank', order: 'asc' },
};

export function emptyView(filters: GalleryFilters): GalleryView {
  return { filters, version: 0, total: null, pages: new Map(), previous: new Map(), selection: new Set(), anchor: null, focus: 0, loadError: null, basis: null, resetScroll: 0 };
}

/** Whether a view's results change with the threshold. */
export function dependsOnThreshold(view: ViewKey, f: GalleryFilters): boolean {
  return view === 'review' && (f.predicted !== 'all' || (f.outcome !== 'all' && f.outcome !== 'unlabeled'));
}

/** Whether a label change can take images into or out of a view's list (so it is refetched, not only patched). */
export function dependsOnLabels(view: ViewKey, f: GalleryFilters): boolean {
  return view === 'issues' || f.label !== 'any' || f.origin !== 'any' || f.outcome !== 'all';
}

/** The `review.page` query of a view (without offset and limit). */
export function queryFor(view: ViewKey, f: GalleryFilters, threshold: number | null): ReviewQuery {
  const q: ReviewQuery = { sort: f.sort, order: f.order };
  if (view === 'issues') {
    q.issuesOnly = true;
    q.sort = 'issue-rank';
    q.order = 'asc';
  } else {
    if (f.predicted !== 'all') q.predicted = f.predicted;
    if (f.outcome !== 'all') q.outcome = f.outcome;
  }
  if (f.taxon.trim()) q.taxon = f.taxon.trim();
  if (f.origin !== 'any') q.origin = f.origin;
  if (f.label !== 'any') q.label = f.label;
  const from = /^(import|bundle):(\d+)$/.exec(f.source ?? '');
  if (from) {
    if (from[1] === 'import') q.importId = Number(from[2]);
    else q.bundleId = Number(from[2]);
  }
  if (threshold !== null) q.threshold = threshold;
  return q;
}

/** Every view with `change` applied to its pages and previous pages (mapPages), or null when no item changed. */
function mapViews(views: Record<ViewKey, GalleryView>, change: (it: GalleryItem) => GalleryItem | null): Record<ViewKey, GalleryView> | null {
  let out: Record<ViewKey, GalleryView> | null = null;
  for (const view of VIEW_KEYS) {
    const v = views[view];
    const pages = mapPages(v.pages, change);
    const previous = mapPages(v.previous, change);
    if (pages || previous) {
      out ??= { ...views };
      out[view] = { ...v, pages: pages ?? v.pages, previous: previous ?? v.previous };
    }
  }
  return out;
}

/** Label and origin by image id. */
export type Patch = Map<number, { label: LabelValue; origin: LabelOrigin }>;

/** The items of `pages` that `change` returns a new item for, replaced (null when none changed). */
function mapPages(pages: ReadonlyMap<number, GalleryItem[]>, change: (it: GalleryItem) => GalleryItem | null): ReadonlyMap<number, GalleryItem[]> | null {
  let out: Map<number, GalleryItem[]> | null = null;
  for (const [p, items] of pages) {
    let copy: GalleryItem[] | null = null;
    items.forEach((it, i) => {
      const next = change(it);
      if (!next) return;
      copy ??= items.slice();
      copy[i] = next;
    });
    if (copy) {
      out ??= new Map(pages);
      out.set(p, copy);
    }
  }
  return out;
}

/** What the other review slices use of the gallery. */
export interface GalleryInternals {
  updateView(view: ViewKey, fn: (v: GalleryView) => Partial<GalleryView>): void;
  /** Fetch a page of the view; resolves with its items (null when the answer was for an older version, or failed), even if the cache has already evicted them. */
  fetchPage(view: ViewKey, page: number): Promise<GalleryItem[] | null>;
  /** Whether a page of the view's current version is being fetched. */
  pending(view: ViewKey): boolean;
  itemAt(view: ViewKey, index: number): GalleryItem | undefined;
  /** Current label and origin of the images among everything cached (both views and the preview). */
  currentOf(ids: Iterable<number>): Patch;
  /** Patch every cached page and the preview. */
  applyPatch(patch: Patch): void;
  /** The view's list has changed under its cached pages (labels it filters by): refetch it before fetching a page it lacks. */
  markStale(view: ViewKey): void;
  /**
   * The curator moved the focus (a key, a click) to `index`: a refresh on its way no longer puts it
   * back on the image focused before it (that undid the arrow pressed while the grid refreshed). When
   * the tile there is one the refresh has not replaced yet (`previous`), the focus follows that image
   * into the new list instead: the click was on it, and it is the image selected and previewed.
   */
  focusChosen(view: ViewKey, index?: number): void;
  /**
   * The focus was moved (a key) to `index`, whose page is not loaded: when it comes and the focus is
   * still there with nothing selected, the tile there is selected, as a key on a loaded tile selects it.
   * null: not any more (the curator cleared the selection).
   */
  selectWhenShown(view: ViewKey, index: number | null): void;
}

export interface GalleryHooks {
  /** Whether pages may be fetched yet. */
  ready(): boolean;
  /** The threshold the predicted/outcome filters use; null: the core's threshold in force (before the scores are known, or without a model). */
  threshold(): number | null;
  /** Called when the curator changes the review filters (the threshold slice may stop widening them). */
  filtersChanged(view: ViewKey): void;
  /** The focused index now holds another image than before a refresh (the preview follows it). */
  focusMoved(view: ViewKey): void;
}

export function gallerySlice(set: SetState, get: GetState, client: ApiClient, hooks: GalleryHooks): { slice: GallerySlice; internals: GalleryInternals } {
  /** In-flight page requests by `view:version:page`. */
  const inflight = new Map<string, Promise<GalleryItem[] | null>>();
  /**
   * The image focused when a view was refreshed (its version then): the focus goes back to it if
   * the new list still has it, else the preview follows whatever the focused index now holds. Without
   * this, B/G after a refresh labelled the image that moved into the index, not the one previewed.
   */
  const keepFocus = new Map<ViewKey, { version: number; imageId: number }>();
  /**
   * The selected images a refresh's pages (its version) have not shown yet: those left once every
   * page of the new list is loaded are not in it, and leave the selection.
   */
  const unseen = new Map<ViewKey, { version: number; ids: Set<number> }>();
  /** The index a key moved the focus to before its page was loaded (selectWhenShown). */
  const selectArrival = new Map<ViewKey, number>();
  /** Views whose cached pages no longer match the core's list (markStale). */
  const stale = new Set<ViewKey>();
  /** Set while setFilters refreshes: new results start at their first row, no focus is kept. */
  let newQuery = false;
  const lastRange: Record<ViewKey, [number, number]> = { review: [0, PAGE_SIZE - 1], issues: [0, PAGE_SIZE - 1] };
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  const shown: Record<ViewKey, { promise: Promise<void>; resolve: () => void }> = { review: deferred(), issues: deferred() };
  /**
   * The label each issue closed by a label change here was listed with (by image id), for the run
   * of the pages that showed it: the issue is open again when that label comes back (an undo).
   */
  const closedByLabel = new Map<number, 'good' | 'bad'>();
  let closedRun: number | null = null;

  /**
   * An item with a new label: an open issue closes (the label is no longer the one the run listed);
   * one closed so here opens again when that label comes back; otherwise the core's answer stands.
   */
  const relabelled = (it: GalleryItem, label: LabelValue, origin: LabelOrigin): GalleryItem => {
    const next = { ...it, label, origin };
    if (it.issue_rank === null || label === it.label) return next;
    if (it.issue_open === 1 && it.label !== null) {
      closedByLabel.set(it.image_id, it.label);
      next.issue_open = 0;
    } else if (it.issue_open === 0 && label !== null && closedByLabel.get(it.image_id) === label) next.issue_open = 1;
    return next;
  };

  const updateView = (view: ViewKey, fn: (v: GalleryView) => Partial<GalleryView>) =>
    set((s) => ({ views: { ...s.views, [view]: { ...s.views[view], ...fn(s.views[view]) } } }));

  const evict = (pages: Map<number, GalleryItem[]>, view: ViewKey) => {
    if (pages.size <= MAX_CACHED_PAGES) return;
    const [a, b] = lastRange[view];
    const center = (a + b) / 2 / PAGE_SIZE;
    const far = [...pages.keys()].sort((x, y) => Math.abs(y - center) - Math.abs(x - center));
    for (const p of far.slice(0, pages.size - MAX_CACHED_PAGES)) pages.delete(p);
  };

  const fetchPage = (view: ViewKey, page: number): Promise<GalleryItem[] | null> => {
    const v = get().views[view];
    const version = v.version;
    const key = `${view}:${version}:${page}`;
    const existing = inflight.get(key);
    if (existing) return existing;
    const promise = client
      .call('review.page', { ...queryFor(view, v.filters, hooks.threshold()), offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then(
        (r) => {
          const cur = get().views[view];
          if (cur.version !== version) return null;
          // Another run's issues: the labels they were listed with are not this one's.
          if (r.run_id !== closedRun) {
            closedByLabel.clear();
            closedRun = r.run_id;
          }
          const pages = new Map(cur.pages);
          pages.set(page, r.items);
          evict(pages, view);
          // The old tiles stay where this version's pages are still on their way, not longer.
          const prefix = `${view}:${version}:`;
          const waiting = [...inflight.keys()].some((k) => k !== key && k.startsWith(prefix));
          let previous = cur.previous;
          if (previous.size && !waiting) previous = new Map();
          else if (previous.has(page)) {
            const left = new Map(previous);
            left.delete(page);
            previous = left;
          }
          let focus = r.total === 0 ? 0 : Math.min(cur.focus, r.total - 1);
          let moved = false;
          let anchor = cur.anchor;
          let selection = cur.selection;
          const keep = keepFocus.get(view);
          if (keep?.version === version) {
            const at = r.items.findIndex((it) => it.image_id === keep.imageId);
            if (at >= 0) {
              focus = page * PAGE_SIZE + at;
              keepFocus.delete(view);
              // An anchor on the focused tile (a plain click) moves with it.
              if (cur.anchor === cur.focus) anchor = focus;
            } else if (page === Math.floor(focus / PAGE_SIZE) || r.total === 0) {
              // Not where the focus is: gone from the list, or moved to a page not loaded (the focus stays put).
              keepFocus.delete(view);
              moved = true;
              // A selection of that image alone (a plain click) goes with it: B labels the tile now focused.
              if (selection.size === 1 && selection.has(keep.imageId)) {
                selection = new Set();
                anchor = null;
              }
            }
          }
          const arrival = selectArrival.get(view);
          if (arrival !== undefined && Math.floor(arrival / PAGE_SIZE) === page) {
            selectArrival.delete(view);
            const it = r.items[arrival - page * PAGE_SIZE];
            if (it && arrival === focus && !selection.size) {
              selection = new Set([it.image_id]);
              anchor = focus;
            }
          }
          const check = unseen.get(view);
          if (check?.version === version) {
            for (const it of r.items) check.ids.delete(it.image_id);
            let all = true;
            for (let p = 0; all && p * PAGE_SIZE < r.total; p++) all = pages.has(p);
            if (!check.ids.size) unseen.delete(view);
            else if (all) {
              // The whole list is here and lacks them (a verdict undone on an image relabelled since,
              // a verdict given again): B labels only images shown.
              unseen.delete(view);
              selection = new Set([...selection].filter((id) => !check.ids.has(id)));
              if (!selection.size) anchor = null;
            }
          }
          updateView(view, () => ({ pages, previous, total: r.total, focus, anchor, selection, loadError: null, basis: { runId: r.run_id, threshold: r.threshold } }));
          // The focused tile is here now: a preview showing another image (or none: its page was
          // not loaded when the focus moved there) follows it. An empty list leaves it nothing to
          // show: it no longer names the image of the old list (whose tile is gone, and which B skipped).
          const shown = r.items[focus - page * PAGE_SIZE];
          const p = get().preview;
          const behind = p.open && p.view === view && (shown ? p.imageId !== shown.image_id : r.total === 0 && p.imageId !== null);
          if (moved || behind) hooks.focusMoved(view);
          return r.items;
        },
        (e: unknown) => {
          if (get().views[view].version !== version) return null;
          const first = get().views[view].loadError === null;
          updateView(view, () => ({ loadError: errorText(e), total: get().views[view].total ?? 0, previous: new Map() }));
          if (first) get().reportError(e, 'Gallery');
          return null;
        },
      )
      .finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  };

  /** The item the tile at `index` shows: this version's, else (a refresh on its way) the one it replaces. */
  const itemAt = (view: ViewKey, index: number): GalleryItem | undefined => {
    const v = get().views[view];
    const page = Math.floor(index / PAGE_SIZE);
    return (v.pages.get(page) ?? v.previous.get(page))?.[index % PAGE_SIZE];
  };

  const currentOf = (ids: Iterable<number>): Patch => {
    const want = new Set(ids);
    const out: Patch = new Map();
    for (const view of VIEW_KEYS) {
      for (const items of get().views[view].pages.values()) {
        for (const it of items) if (want.has(it.image_id) && !out.has(it.image_id)) out.set(it.image_id, { label: it.label, origin: it.origin });
      }
    }
    const d = get().preview.detail;
    if (d && want.has(d.image_id) && !out.has(d.image_id)) out.set(d.image_id, { label: d.label, origin: d.origin });
    return out;
  };

  const applyPatch = (patch: Patch) => {
    if (!patch.size) return;
    set((s) => {
      const views = mapViews(s.views, (it) => {
        const c = patch.get(it.image_id);
        return !c || (c.label === it.label && c.origin === it.origin) ? null : relabelled(it, c.label, c.origin);
      });
      const d = s.preview.detail;
      const dp = d ? patch.get(d.image_id) : undefined;
      const preview = d && dp && (dp.label !== d.label || dp.origin !== d.origin) ? { ...s.preview, detail: { ...d, ...dp } } : s.preview;
      return views || preview !== s.preview ? { views: views ?? s.views, preview } : {};
    });
  };

  const slice: GallerySlice = {
    views: { review: emptyView(DEFAULT_FILTERS.review), issues: emptyView(DEFAULT_FILTERS.issues) },
    layout: { review: { cols: 1, rows: 1 }, issues: { cols: 1, rows: 1 } },

    setLayout(view, cols, rows) {
      const cur = get().layout[view];
      if (cur.cols === cols && cur.rows === rows) return;
      set((s) => ({ layout: { ...s.layout, [view]: { cols, rows } } }));
    },

    setFilters(view, patch) {
      hooks.filtersChanged(view);
      // The new results are shown from their first row: fetch the pages there, not where the old ones were scrolled to.
      const [a, b] = lastRange[view];
      lastRange[view] = [0, Math.max(PAGE_SIZE - 1, b - a)];
      updateView(view, (v) => ({ filters: { ...v.filters, ...patch }, focus: 0, resetScroll: v.resetScroll + 1 }));
      newQuery = true;
      try {
        get().refreshView(view);
      } finally {
        newQuery = false;
      }
    },

    refreshView(view, opts = {}) {
      stale.delete(view);
      const v0 = get().views[view];
      // The focus is kept on an image the curator is at (selected or previewed), not on the first
      // tile of a list nobody has touched yet, nor across a new query.
      const p = get().preview;
      const engaged = v0.selection.size > 0 || (p.open && p.view === view);
      const focused = !newQuery && engaged ? itemAt(view, v0.focus) : undefined;
      // A refresh before the last one's page came back: the image that one kept is still the one.
      const pending = keepFocus.get(view);
      const keep = opts.focusOn?.imageId ?? focused?.image_id ?? (!newQuery && pending?.version === v0.version ? pending.imageId : undefined);
      if (keep !== undefined) keepFocus.set(view, { version: v0.version + 1, imageId: keep });
      else keepFocus.delete(view);
      if (newQuery) selectArrival.delete(view);
      // The old total keeps the scroll height until the answer comes, unless it was 0 (nothing to keep).
      // The selection (image ids) and its anchor stay unless the curator asked for another query: a
      // background refresh (another window's import, a run made active, a reconnect, the slider) that
      // emptied them made the next B label the focused image only, not the images selected.
      const clear = newQuery ? { selection: new Set<number>(), anchor: null } : opts.focusOn ? { selection: new Set(opts.focusOn.selection), anchor: null } : {};
      // The tiles in view stay (clickable) until the new pages replace them: emptied, they blanked and a
      // click landing then was lost. A new query's first rows are others: nothing of the old is shown.
      updateView(view, (v) => ({
        version: v.version + 1,
        pages: new Map(),
        previous: newQuery ? new Map() : new Map([...v.previous, ...v.pages]),
        total: v.total === 0 ? null : v.total,
        ...clear,
        loadError: null,
        basis: null,
      }));
      const kept = get().views[view].selection;
      if (kept.size && (view === 'issues' || opts.focusOn)) unseen.set(view, { version: v0.version + 1, ids: new Set(kept) });
      else unseen.delete(view);
      const [a, b] = lastRange[view];
      get().ensureRange(view, a, b);
    },

    ensureRange(view, start, end) {
      lastRange[view] = [Math.max(0, start), Math.max(0, end)];
      if (!hooks.ready()) return;
      const v = get().views[view];
      const maxIndex = v.total === null ? PAGE_SIZE - 1 : v.total - 1;
      if (maxIndex < 0) return;
      const first = v.total === null ? 0 : Math.floor(Math.min(Math.max(0, start), maxIndex) / PAGE_SIZE);
      const last = v.total === null ? 0 : Math.floor(Math.min(Math.max(0, end), maxIndex) / PAGE_SIZE);
      const missing: number[] = [];
      for (let p = first; p <= last; p++) if (!v.pages.has(p)) missing.push(p);
      // A page of a list that changed under the cached ones: the whole view again (it fetches this range).
      if (missing.length && stale.has(view)) get().refreshView(view);
      else for (const p of missing) void fetchPage(view, p);
    },

    tilesShown(view) {
      shown[view].resolve();
    },

    whenTilesShown(view, ms) {
      return new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        void shown[view].promise.then(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },

    loadFirstPage(view) {
      return get().views[view].pages.has(0) ? Promise.resolve() : fetchPage(view, 0).then(() => undefined);
    },

    itemAt,

    issuesReviewed(imageIds, verdict, shown) {
      const ids = new Set(imageIds);
      // The label each reopened issue was listed with: where the tile shows another, it stays closed
      // until that label comes back (as one closed by a label change here).
      const listed = new Map<number, 'good' | 'bad'>();
      if (verdict === null && shown) imageIds.forEach((id, i) => shown[i] && listed.set(id, shown[i]));
      for (const id of ids) {
        const l = listed.get(id);
        if (l) closedByLabel.set(id, l);
        else closedByLabel.delete(id);
      }
      const want = verdict === null ? 1 : 0;
      const reopens = (it: GalleryItem) => !listed.has(it.image_id) || listed.get(it.image_id) === it.label;
      set((s) => {
        const views = mapViews(s.views, (it) =>
          ids.has(it.image_id) && it.issue_rank !== null && it.issue_open !== want && (want === 0 || reopens(it)) ? { ...it, issue_open: want } : null,
        );
        const d = s.preview.detail;
        const preview = d && ids.has(d.image_id) && d.issue_review !== verdict ? { ...s.preview, detail: { ...d, issue_review: verdict } } : s.preview;
        return views || preview !== s.preview ? { views: views ?? s.views, preview } : {};
      });
    },
  };
  const pending = (view: ViewKey) => {
    const prefix = `${view}:${get().views[view].version}:`;
    for (const key of inflight.keys()) if (key.startsWith(prefix)) return true;
    return false;
  };
  const markStale = (view: ViewKey) => void stale.add(view);
  const focusChosen = (view: ViewKey, index?: number) => {
    const v = get().views[view];
    const page = index === undefined ? -1 : Math.floor(index / PAGE_SIZE);
    const old = index !== undefined && !v.pages.has(page) ? v.previous.get(page)?.[index % PAGE_SIZE] : undefined;
    if (old) keepFocus.set(view, { version: v.version, imageId: old.image_id });
    else keepFocus.delete(view);
    selectArrival.delete(view);
  };
  const selectWhenShown = (view: ViewKey, index: number | null) => {
    if (index === null) selectArrival.delete(view);
    else selectArrival.set(view, index);
  };
  return { slice, internals: { updateView, fetchPage, pending, itemAt, currentOf, applyPatch, markStale, focusChosen, selectWhenShown } };
}
