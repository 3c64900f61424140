/**
 * The open label issues of the active run, shared by the sidebar badge and the Label issues screen:
 * one small store per client, refreshed when the active run changes, when labels change anywhere
 * (`label.changed`, or in bulk: `library.changed`), and after a curator confirms or dismisses issues here. The badge needs only
 * the count (`ml.labelIssues` with limit 0: two counts, whatever the library's size); the issues
 * themselves (the why-line of the focused tile) are fetched only while a view that shows them is
 * mounted (`useOpenIssues({ why: true })`). Nothing is asked before the runs are loaded: the app
 * loads them after the gallery's first page and thumbnails (stores/ui.ts), and on a cold million-image
 * library this call, made first, held the first page back by 100–200 ms (bench:ui).
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { LabelIssue } from '../../../src-shared/domain/ml';
import type { ApiClient } from '../../api/client';
import { useApp, useClient } from '../../stores/app';

export interface OpenIssues {
  runId: number | null;
  /** Open issues within confident learning's estimate (null: not loaded, or no trained run). */
  total: number | null;
  /** Open issues listed beyond the estimate (the prediction still disagrees, less surely). */
  beyond: number;
  reviewed: number;
  ranking: string | null;
  /** The open issues by image id, for the why-line of the focused tile. */
  byImage: ReadonlyMap<number, LabelIssue>;
}

const EMPTY: OpenIssues = { runId: null, total: null, beyond: 0, reviewed: 0, ranking: null, byImage: new Map() };
/** Why-lines are kept for this many issues (the rest still count). */
export const WHY_LIMIT = 5000;

class IssuesSource {
  state: OpenIssues = EMPTY;
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private offLabels: (() => void) | null = null;
  /** Mounted views that show why-lines (the issues are listed only while there is one). */
  private whyViews = 0;
  /** False until the runs are loaded: refresh() asks nothing before. */
  private live = false;
  constructor(private readonly client: ApiClient) {}

  /** The runs are loaded (or not): from then on refresh() asks the core. */
  setLive(live: boolean): void {
    this.live = live;
  }

  /** A view that shows why-lines mounts: list the issues (now, and on every refresh until it unmounts). */
  wantWhy = () => {
    if (this.whyViews++ === 0) void this.refresh();
    return () => {
      this.whyViews--;
    };
  };

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    if (!this.offLabels) {
      const refresh = () => void this.refresh();
      const offs = [this.client.on('label.changed', refresh), this.client.on('library.changed', refresh)];
      this.offLabels = () => offs.forEach((off) => off());
    }
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size) {
        this.offLabels?.();
        this.offLabels = null;
      }
    };
  };

  get = () => this.state;

  async refresh(): Promise<void> {
    if (!this.live) return;
    const seq = ++this.seq;
    let next: OpenIssues;
    try {
      const r = await this.client.call('ml.labelIssues', { limit: this.whyViews > 0 ? WHY_LIMIT : 0 });
      next = { runId: r.run_id, total: r.total, beyond: r.beyond, reviewed: r.reviewed, ranking: r.ranking, byImage: new Map(r.issues.map((i) => [i.image_id, i])) };
    } catch {
      // No trained run yet (not_found) or the connection dropped: no count to show.
      next = EMPTY;
    }
    if (seq !== this.seq) return;
    this.state = next;
    for (const fn of this.listeners) fn();
  }
}

const sources = new WeakMap<ApiClient, IssuesSource>();
export function issuesSource(client: ApiClient): IssuesSource {
  let s = sources.get(client);
  if (!s) sources.set(client, (s = new IssuesSource(client)));
  return s;
}

/** The open issues (with their why-lines when `why`); reloads when the active run changes. */
export function useOpenIssues(opts: { why?: boolean } = {}): OpenIssues {
  const client = useClient();
  const source = issuesSource(client);
  const activeRun = useApp((s) => s.activeRunId);
  const runsLoaded = useApp((s) => s.runsLoaded);
  const why = opts.why ?? false;
  useEffect(() => {
    source.setLive(runsLoaded);
    void source.refresh();
  }, [source, activeRun, runsLoaded]);
  useEffect(() => (why ? source.wantWhy() : undefined), [source, why]);
  return useSyncExternalStore(source.subscribe, source.get);
}
