/**
 * The review gallery: filters, a cache of gallery pages by offset (only pages near the viewport
 * are fetched), selection with an anchor for shift-ranges, the focused tile, the threshold
 * slider (a ThresholdIndex built once per run from `review.scores`), optimistic labelling with
 * rollback, undo, and the preview.
 *
 * Two views share the machinery: `review` (the main gallery) and `issues` (probable label issues,
 * ranked). Label changes patch both.
 */
import type { LabelChange, GalleryItem, ImageDetail, LabelOrigin, LabelValue, ReviewQuery } from '../../src-shared/domain/library';
import { ThresholdIndex } from '../../src-shared/domain/threshold';
import type { Slice } from './types';

export type ViewKey = 'review' | 'issues';
export const VIEW_KEYS: readonly ViewKey[] = ['review', 'issues'];

/** Items per `review.page` call. */
export const PAGE_SIZE = 200;
/** Pages kept in memory per view; the farthest from the viewport are dropped first. */
export const MAX_CACHED_PAGES = 40;
/** The largest shift-click range (one `labels.set` call). */
export const MAX_RANGE = 20_000;
/** Quiet time after the last slider move before the threshold is saved and the grid refetched. */
export const THRESHOLD_COMMIT_MS = 300;

export interface GalleryFilters {
  predicted: 'bad' | 'good' | 'all';
  outcome: 'all' | 'tp' | 'fp' | 'tn' | 'fn' | 'unlabeled';
  taxon: string;
  origin: LabelOrigin | 'any';
  label: 'good' | 'bad' | 'none' | 'any';
  sort: 'confidence' | 'issue-rank' | 'id';
  order: 'asc' | 'desc';
}

export interface GalleryView {
  filters: GalleryFilters;
  /** Bumped on every refresh: answers for an older version are dropped. */
  version: number;
  /** Items matching the query (from the last page answer); null before the first one. */
  total: number | null;
  /** Page number (offset / PAGE_SIZE) → items. */
  pages: ReadonlyMap<number, GalleryItem[]>;
  selection: ReadonlySet<number>;
  /** Index where a shift-range starts. */
  anchor: number | null;
  /** Index of the focused tile. */
  focus: number;
  loadError: string | null;
}

export interface ScoresState {
  runId: number;
  /** Every scored image (for the flagged count). */
  all: ThresholdIndex;
  /** Held-out predictions with labels (for coverage and error). */
  heldout: ThresholdIndex;
  recommended: number | null;
  curator: number | null;
}

export interface ThresholdNumbers {
  threshold: number;
  flagged: number;
  scored: number;
  coverage: number | null;
  error: number | null;
  errorUpper: number | null;
  heldoutFlagged: number;
  heldoutSize: number;
}

export interface PreviewState {
  open: boolean;
  view: ViewKey;
  imageId: number | null;
  detail: ImageDetail | null;
  loading: boolean;
  error: string | null;
}

export interface ReviewSlice {
  views: Record<ViewKey, GalleryView>;
  scores: ScoresState | null;
  /** `none`: no trained run yet (the grid still works, without predictions). */
  scoresStatus: 'idle' | 'loading' | 'ready' | 'none' | 'error';
  /** The threshold in force for the grid's predicted/outcome filters (saved as the curator's). */
  threshold: number;
  /** Follows the slider on every move; the numbers beside it come from this. */
  draftThreshold: number;
  preview: PreviewState;
  /** Columns and visible rows of each grid (for up/down and page keys). */
  layout: Record<ViewKey, { cols: number; rows: number }>;

  setLayout(view: ViewKey, cols: number, rows: number): void;
  loadScores(): Promise<void>;
  setFilters(view: ViewKey, patch: Partial<GalleryFilters>): void;
  /** Drop the cached pages and fetch what is in view again. */
  refreshView(view: ViewKey): void;
  /** Fetch the pages covering indices start..end that are not cached (the grid calls this for rows near the viewport). */
  ensureRange(view: ViewKey, start: number, end: number): void;
  itemAt(view: ViewKey, index: number): GalleryItem | undefined;
  /** Move the focus; with `extend` the selection becomes the range anchor..index, else just that tile. */
  focusIndex(view: ViewKey, index: number, opts?: { extend?: boolean }): void;
  /** Click semantics: plain selects and opens the preview, shift selects a range, toggle (ctrl/cmd) adds or removes. */
  clickTile(view: ViewKey, index: number, mods?: { shift?: boolean; toggle?: boolean }): Promise<void>;
  selectRange(view: ViewKey, from: number, to: number): Promise<void>;
  clearSelection(view: ViewKey): void;
  /** Label the selection (or the focused tile): optimistic, then one `labels.set`; rolled back on error. */
  setLabel(view: ViewKey, label: LabelValue): Promise<void>;
  undo(): Promise<void>;
  /** Apply label changes from the core (results, undo, `label.changed` events). */
  applyChanges(changes: readonly LabelChange[]): void;
  /** Every slider move: numbers update now, the save and refetch wait for a pause or `commitThreshold`. */
  moveThreshold(t: number): void;
  /** Slider released: save the curator threshold and refresh grids that depend on it. */
  commitThreshold(): Promise<void>;
  openPreview(view: ViewKey): void;
  closePreview(): void;
  loadDetail(): Promise<void>;
}

export const DEFAULT_FILTERS: Record<ViewKey, GalleryFilters> = {
  review: { predicted: 'bad', outcome: 'all', taxon: '', origin: 'any', label: 'any', sort: 'confidence', order: 'desc' },
  issues: { predicted: 'all', outcome: 'all', taxon: '', origin: 'any', label: 'any', sort: 'issue-rank', order: 'asc' },
};

function emptyView(filters: GalleryFilters): GalleryView {
  return { filters, version: 0, total: null, pages: new Map(), selection: new Set(), anchor: null, focus: 0, loadError: null };
}

/** The numbers beside the slider at threshold t, straight from the two indices (O(log n)). */
export function thresholdNumbers(scores: ScoresState, t: number): ThresholdNumbers {
  const held = scores.heldout.at(t);
  return {
    threshold: t,
    flagged: scores.all.flagged(t),
    scored: scores.all.size,
    coverage: held.coverage,
    error: held.error,
    errorUpper: held.errorUpper,
    heldoutFlagged: held.flagged,
    heldoutSize: scores.heldout.size,
  };
}

/** Whether a view's results change with the threshold. */
export function dependsOnThreshold(view: ViewKey, f: GalleryFilters): boolean {
  return view === 'review' && (f.predicted !== 'all' || (f.outcome !== 'all' && f.outcome !== 'unlabeled'));
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
  if (threshold !== null) q.threshold = threshold;
  return q;
}

type Patch = Map<number, { label: LabelValue; origin: LabelOrigin }>;

function patchPages(pages: ReadonlyMap<number, GalleryItem[]>, patch: Patch): ReadonlyMap<number, GalleryItem[]> | null {
  let out: Map<number, GalleryItem[]> | null = null;
  for (const [p, items] of pages) {
    let copy: GalleryItem[] | null = null;
    items.forEach((it, i) => {
      const change = patch.get(it.image_id);
      if (!change || (change.label === it.label && change.origin === it.origin)) return;
      copy ??= items.slice();
      copy[i] = { ...it, label: change.label, origin: change.origin };
    });
    if (copy) {
      out ??= new Map(pages);
      out.set(p, copy);
    }
  }
  return out;
}

export const reviewSlice: Slice<ReviewSlice> = (set, get, client) => {
  /** In-flight page requests by `view:version:page`. */
  const inflight = new Map<string, Promise<void>>();
  const lastRange: Record<ViewKey, [number, number]> = { review: [0, PAGE_SIZE - 1], issues: [0, PAGE_SIZE - 1] };
  let commitTimer: ReturnType<typeof setTimeout> | null = null;
  let detailTimer: ReturnType<typeof setTimeout> | null = null;
  let detailSeq = 0;
  let scoresSeq = 0;
  /** The review filters were widened to `all` because there was no model (not by the curator). */
  let widenedForNoModel = false;

  const ready = () => {
    const s = get().scoresStatus;
    return s === 'ready' || s === 'none' || s === 'error';
  };
  const thresholdFor = () => (get().scoresStatus === 'ready' ? get().threshold : null);
  const updateView = (view: ViewKey, fn: (v: GalleryView) => Partial<GalleryView>) =>
    set((s) => ({ views: { ...s.views, [view]: { ...s.views[view], ...fn(s.views[view]) } } }));

  const evict = (pages: Map<number, GalleryItem[]>, view: ViewKey) => {
    if (pages.size <= MAX_CACHED_PAGES) return;
    const [a, b] = lastRange[view];
    const center = (a + b) / 2 / PAGE_SIZE;
    const far = [...pages.keys()].sort((x, y) => Math.abs(y - center) - Math.abs(x - center));
    for (const p of far.slice(0, pages.size - MAX_CACHED_PAGES)) pages.delete(p);
  };

  const fetchPage = (view: ViewKey, page: number): Promise<void> => {
    const v = get().views[view];
    const version = v.version;
    const key = `${view}:${version}:${page}`;
    const existing = inflight.get(key);
    if (existing) return existing;
    const promise = client
      .call('review.page', { ...queryFor(view, v.filters, thresholdFor()), offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then(
        (r) => {
          const cur = get().views[view];
          if (cur.version !== version) return;
          const pages = new Map(cur.pages);
          pages.set(page, r.items);
          evict(pages, view);
          const focus = r.total === 0 ? 0 : Math.min(cur.focus, r.total - 1);
          updateView(view, () => ({ pages, total: r.total, focus, loadError: null }));
        },
        (e: unknown) => {
          if (get().views[view].version !== version) return;
          const first = get().views[view].loadError === null;
          updateView(view, () => ({ loadError: e instanceof Error ? e.message : String(e), total: get().views[view].total ?? 0 }));
          if (first) get().reportError(e, 'Gallery');
        },
      )
      .finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  };

  const itemAt = (view: ViewKey, index: number): GalleryItem | undefined =>
    get().views[view].pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  /** Current label and origin of the images among everything cached (both views and the preview). */
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
      const views = { ...s.views };
      let changed = false;
      for (const view of VIEW_KEYS) {
        const pages = patchPages(s.views[view].pages, patch);
        if (pages) {
          views[view] = { ...s.views[view], pages };
          changed = true;
        }
      }
      const d = s.preview.detail;
      const dp = d ? patch.get(d.image_id) : undefined;
      const preview = d && dp && (dp.label !== d.label || dp.origin !== d.origin) ? { ...s.preview, detail: { ...d, ...dp } } : s.preview;
      return changed || preview !== s.preview ? { views, preview } : {};
    });
  };

  const previewShows = (ids: Iterable<number>) => {
    const p = get().preview;
    if (!p.open || p.imageId === null) return false;
    for (const id of ids) if (id === p.imageId) return true;
    return false;
  };

  const scheduleDetail = () => {
    if (!get().preview.open) return;
    if (detailTimer) clearTimeout(detailTimer);
    detailTimer = setTimeout(() => {
      detailTimer = null;
      void get().loadDetail();
    }, 80);
  };

  return {
    views: { review: emptyView(DEFAULT_FILTERS.review), issues: emptyView(DEFAULT_FILTERS.issues) },
    scores: null,
    scoresStatus: 'idle',
    threshold: 0.5,
    draftThreshold: 0.5,
    preview: { open: false, view: 'review', imageId: null, detail: null, loading: false, error: null },
    layout: { review: { cols: 1, rows: 1 }, issues: { cols: 1, rows: 1 } },

    setLayout(view, cols, rows) {
      const cur = get().layout[view];
      if (cur.cols === cols && cur.rows === rows) return;
      set((s) => ({ layout: { ...s.layout, [view]: { cols, rows } } }));
    },

    async loadScores() {
      const seq = ++scoresSeq;
      set({ scoresStatus: 'loading' });
      try {
        const r = await client.call('review.scores', {});
        if (seq !== scoresSeq) return;
        // Built once per run; the slider only queries them.
        const scores: ScoresState = {
          runId: r.run_id,
          all: new ThresholdIndex(r.all),
          heldout: new ThresholdIndex(r.heldout.p_bad, r.heldout.bad),
          recommended: r.recommended,
          curator: r.curator,
        };
        const t = r.curator ?? r.recommended ?? 0.5;
        set({ scores, scoresStatus: 'ready', threshold: t, draftThreshold: t });
        if (widenedForNoModel) {
          // A model exists now: back to what the review screen is for, the predicted-bad images.
          widenedForNoModel = false;
          updateView('review', (v) => ({ filters: { ...v.filters, predicted: DEFAULT_FILTERS.review.predicted } }));
        }
      } catch (e) {
        if (seq !== scoresSeq) return;
        const none = e instanceof Error && (e as { code?: string }).code === 'not_found';
        set({ scores: null, scoresStatus: none ? 'none' : 'error' });
        if (!none) get().reportError(e, 'Scores');
        // Without a model, predicted/outcome filters match nothing: show everything.
        const f = get().views.review.filters;
        if (f.predicted !== 'all' || (f.outcome !== 'all' && f.outcome !== 'unlabeled')) {
          widenedForNoModel = true;
          updateView('review', (v) => ({ filters: { ...v.filters, predicted: 'all', outcome: 'all' } }));
        }
      }
      get().refreshView('review');
      get().refreshView('issues');
    },

    setFilters(view, patch) {
      if (view === 'review') widenedForNoModel = false;
      updateView(view, (v) => ({ filters: { ...v.filters, ...patch }, focus: 0 }));
      get().refreshView(view);
    },

    refreshView(view) {
      // The old total keeps the scroll height until the answer comes, unless it was 0 (nothing to keep).
      updateView(view, (v) => ({ version: v.version + 1, pages: new Map(), total: v.total === 0 ? null : v.total, selection: new Set(), anchor: null, loadError: null }));
      const [a, b] = lastRange[view];
      get().ensureRange(view, a, b);
    },

    ensureRange(view, start, end) {
      lastRange[view] = [Math.max(0, start), Math.max(0, end)];
      if (!ready()) return;
      const v = get().views[view];
      const maxIndex = v.total === null ? PAGE_SIZE - 1 : v.total - 1;
      if (maxIndex < 0) return;
      const first = v.total === null ? 0 : Math.floor(Math.min(Math.max(0, start), maxIndex) / PAGE_SIZE);
      const last = v.total === null ? 0 : Math.floor(Math.min(Math.max(0, end), maxIndex) / PAGE_SIZE);
      for (let p = first; p <= last; p++) if (!v.pages.has(p)) void fetchPage(view, p);
    },

    itemAt,

    focusIndex(view, index, opts = {}) {
      const v = get().views[view];
      const total = v.total ?? 0;
      if (total === 0) return;
      const i = Math.max(0, Math.min(total - 1, index));
      if (opts.extend) {
        const anchor = v.anchor ?? v.focus;
        const lo = Math.min(anchor, i);
        const hi = Math.max(anchor, i);
        const selection = new Set<number>();
        for (let k = lo; k <= hi; k++) {
          const it = itemAt(view, k);
          if (it) selection.add(it.image_id);
        }
        updateView(view, () => ({ focus: i, anchor, selection }));
      } else {
        const it = itemAt(view, i);
        updateView(view, () => ({ focus: i, anchor: i, selection: it ? new Set([it.image_id]) : new Set() }));
      }
      if (get().preview.view === view) scheduleDetail();
    },

    async clickTile(view, index, mods = {}) {
      const v = get().views[view];
      const it = itemAt(view, index);
      if (mods.shift) {
        await get().selectRange(view, v.anchor ?? v.focus, index);
        updateView(view, () => ({ focus: index }));
      } else if (mods.toggle) {
        if (!it) return;
        const selection = new Set(v.selection);
        if (selection.has(it.image_id)) selection.delete(it.image_id);
        else selection.add(it.image_id);
        updateView(view, () => ({ selection, anchor: index, focus: index }));
      } else {
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
      const missing: Promise<void>[] = [];
      for (let p = Math.floor(lo / PAGE_SIZE); p <= Math.floor(hi / PAGE_SIZE); p++) if (!get().views[view].pages.has(p)) missing.push(fetchPage(view, p));
      await Promise.all(missing);
      if (get().views[view].version !== version) return;
      const pages = get().views[view].pages;
      const selection = new Set<number>();
      for (let k = lo; k <= hi; k++) {
        const it = pages.get(Math.floor(k / PAGE_SIZE))?.[k % PAGE_SIZE];
        if (it) selection.add(it.image_id);
      }
      updateView(view, (v) => ({ selection, anchor: v.anchor ?? from }));
    },

    clearSelection(view) {
      updateView(view, () => ({ selection: new Set() }));
    },

    async setLabel(view, label) {
      const v = get().views[view];
      let ids = [...v.selection];
      if (!ids.length) {
        const it = itemAt(view, v.focus);
        if (it) ids = [it.image_id];
      }
      if (!ids.length) return;
      const before = currentOf(ids);
      const optimistic: Patch = new Map(ids.map((id) => [id, { label, origin: 'curator' as const }]));
      applyPatch(optimistic);
      try {
        const r = await client.call('labels.set', { imageIds: ids, label });
        // What the core says wins; images it left unchanged get back what they had.
        const confirm: Patch = new Map(r.changed.map((c) => [c.image_id, { label: c.new_label, origin: c.new_origin ?? 'import' }]));
        for (const id of ids) {
          const was = before.get(id);
          if (!confirm.has(id) && was) confirm.set(id, was);
        }
        applyPatch(confirm);
        get().scheduleStatusRefresh();
        if (previewShows(ids)) void get().loadDetail();
      } catch (e) {
        // Roll back what still shows the optimistic value (a later change wins).
        const now = currentOf(ids);
        const rollback: Patch = new Map();
        for (const [id, was] of before) {
          const cur = now.get(id);
          if (cur && cur.label === label && cur.origin === 'curator') rollback.set(id, was);
        }
        applyPatch(rollback);
        get().reportError(e, 'Label');
      }
    },

    async undo() {
      try {
        const r = await client.call('labels.undo', {});
        if (r.batch_id === null || !r.changed.length) {
          get().toast('info', 'Nothing to undo');
          return;
        }
        get().applyChanges(r.changed);
        get().scheduleStatusRefresh();
        get().toast('info', `Undone: ${r.changed.length} label${r.changed.length === 1 ? '' : 's'}`);
      } catch (e) {
        get().reportError(e, 'Undo');
      }
    },

    applyChanges(changes) {
      const patch: Patch = new Map(changes.map((c) => [c.image_id, { label: c.new_label, origin: c.new_origin ?? 'import' }]));
      applyPatch(patch);
      if (previewShows(patch.keys())) void get().loadDetail();
    },

    moveThreshold(t) {
      if (!Number.isFinite(t)) return;
      set({ draftThreshold: Math.max(0, Math.min(1, t)) });
      if (commitTimer) clearTimeout(commitTimer);
      commitTimer = setTimeout(() => {
        commitTimer = null;
        void get().commitThreshold();
      }, THRESHOLD_COMMIT_MS);
    },

    async commitThreshold() {
      if (commitTimer) {
        clearTimeout(commitTimer);
        commitTimer = null;
      }
      const t = get().draftThreshold;
      if (t === get().threshold) return;
      set({ threshold: t });
      for (const view of VIEW_KEYS) if (dependsOnThreshold(view, get().views[view].filters)) get().refreshView(view);
      try {
        const r = await client.call('ml.setThreshold', { threshold: t });
        set((s) => (s.scores ? { scores: { ...s.scores, curator: r.threshold } } : {}));
      } catch (e) {
        get().reportError(e, 'Threshold');
      }
    },

    openPreview(view) {
      set((s) => ({ preview: { ...s.preview, open: true, view } }));
      void get().loadDetail();
    },

    closePreview() {
      if (detailTimer) clearTimeout(detailTimer);
      detailTimer = null;
      detailSeq++;
      set((s) => ({ preview: { ...s.preview, open: false, loading: false } }));
    },

    async loadDetail() {
      const { preview } = get();
      if (!preview.open) return;
      const v = get().views[preview.view];
      const it = itemAt(preview.view, v.focus);
      const seq = ++detailSeq;
      if (!it) {
        set((s) => ({ preview: { ...s.preview, imageId: null, detail: null, loading: false, error: null } }));
        return;
      }
      set((s) => ({ preview: { ...s.preview, imageId: it.image_id, loading: true, error: null, detail: s.preview.detail?.image_id === it.image_id ? s.preview.detail : null } }));
      try {
        const detail = await client.call('images.get', { imageId: it.image_id });
        if (seq !== detailSeq) return;
        set((s) => ({ preview: { ...s.preview, detail, loading: false } }));
      } catch (e) {
        if (seq !== detailSeq) return;
        set((s) => ({ preview: { ...s.preview, loading: false, error: e instanceof Error ? e.message : String(e) } }));
      }
    },
  };
};
