/**
 * The open label issues of the active run, shared by the sidebar badge and the Label issues screen:
 * one small store per client. The badge needs only the count (`ml.labelIssues` with limit 0: two
 * counts, whatever the library's size); the issues themselves (the why-line of the focused tile) are
 * fetched only while a view that shows them is mounted (`useOpenIssues({ why: true })`).
 *
 * Asked again when the active run changes, when the library changes in bulk (`library.changed`: an
 * import, a classified bundle, a rule change, here or in another window) and when a view with
 * why-lines mounts. A label change (`label.changed`, B/G/U here or in another window, undo) and a
 * curator's confirm or dismiss here are applied to the list in place: an issue is open while its
 * label is still the one it was listed with and no verdict holds on that label, so each listed
 * issue's fate follows from the change, and the counts with it (no 5,000-row list again per key).
 * Only a change to an image the list does not hold (an issue past the list's limit, or one that was
 * not open when listed and may be again) asks the core for the two counts; when those grew (an issue
 * reopened that may belong in the list) and why-lines are shown, the list is asked for again.
 *
 * An issue past the list (more than WHY_LIMIT open, and those before it closed by label changes here,
 * so it moved into the screen's first pages) has its why-line asked for by image id when a view
 * shows it (`whyOf`), and is tracked from then on like a listed one.
 *
 * Nothing is asked before the runs are loaded: the app loads them after the gallery's first page and
 * thumbnails (stores/ui.ts), and on a cold million-image library this call, made first, held the
 * first page back by 100–200 ms (bench:ui).
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { ArgsOf, ResultOf } from '../../../src-shared/contract/handlers';
import type { LabelChange } from '../../../src-shared/domain/library';
import type { IssueReviewAction, LabelIssue, StoredVerdict } from '../../../src-shared/domain/ml';
import type { Label, LabelValue } from '../../../src-shared/domain/label';
import type { ApiClient } from '../../api/client';
import { useApp, useClient } from '../../stores/app';
import { verdictEchoes, type VerdictMark } from '../../stores/verdictEchoes';

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

/** A listed issue and what has happened to its image since: its label now and the label a verdict holds on (label_reviews). */
interface Tracked {
  issue: LabelIssue;
  label: LabelValue;
  verdictOn: Label | null;
}

const isOpen = (t: Tracked) => t.label === t.issue.given && t.verdictOn !== t.issue.given;

class IssuesSource {
  state: OpenIssues = EMPTY;
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  /** The kind of the answer awaited (the latest request), null when none is. */
  private awaiting: 'list' | 'count' | null = null;
  private offLabels: (() => void) | null = null;
  /** Mounted views that show why-lines (the issues are listed only while there is one). */
  private whyViews = 0;
  /** False until the runs are loaded: refresh() asks nothing before. */
  private live = false;
  /** Every issue of the last list answer (open then), by image id, with what has happened to it since. */
  private tracked = new Map<number, Tracked>();
  /** The counts as if every tracked issue were still open (the answer's, corrected by later recounts). */
  private base = { total: 0, beyond: 0, reviewed: 0 };
  /** Images whose issue was asked for by id (`whyOf`) and not yet answered. */
  private asking = new Set<number>();
  /** Images asked for by id that had no open issue (not asked again until something changes). */
  private notOpen = new Set<number>();
  /** Bumped by every change to the tracked state: an answer by id that predates one is asked again. */
  private changes = 0;
  constructor(private readonly client: ApiClient) {}

  /**
   * Send a verdict (`ml.reviewIssues`) from this window, remembered until its echo comes back: the
   * core announces every verdict (`library.changed` 'issues') so that other windows follow, and the
   * views here have followed already when the answer came (stores/verdictEchoes.ts). A reopen that puts verdicts
   * back (`restore`) is announced as those verdicts for the images whose label they hold on: with
   * `shown` (an undo's: the label each verdict taken back was given on), those restored on it are
   * expected back as such.
   */
  async sendVerdict(args: ArgsOf<'ml.reviewIssues'>): Promise<ResultOf<'ml.reviewIssues'>> {
    const marks: VerdictMark[] = [{ ids: new Set(args.imageIds), action: args.action }];
    const { shown } = args;
    if (args.restore?.length && shown) {
      const shownOf = new Map(args.imageIds.map((id, i) => [id, shown[i]]));
      for (const [verdict, action] of [['confirmed', 'confirm'], ['dismissed', 'dismiss']] as const) {
        const ids = new Set(args.restore.filter((v) => v.action === verdict && v.label === shownOf.get(v.image_id)).map((v) => v.image_id));
        if (ids.size) marks.push({ ids, action });
      }
    }
    const echoes = verdictEchoes(this.client);
    echoes.expect(marks);
    try {
      return await this.client.call('ml.reviewIssues', args);
    } finally {
      // Refused (no echo comes), or answered: an echo not heard by then is not awaited any longer.
      echoes.forget(marks);
    }
  }

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
      const offs = [
        this.client.on('label.changed', ({ changes }) => this.labelsChanged(changes)),
        // A verdict the event names (library.changed 'issues' with `reviewed`) is applied in place, as
        // one given here is (hearing this window's own again changes nothing); any other change lists again.
        this.client.on('library.changed', (e) => (e.reason === 'issues' && e.reviewed ? this.reviewed(e.reviewed.imageIds, e.reviewed.action, undefined, e.reviewed.restored) : void this.refresh())),
        // Back after a dropped connection (browser mode): the verdicts and label changes announced
        // while it was down were never heard, so the issues are asked again (the store reloads the
        // rest: stores/ui.ts connect).
        this.onReconnect(() => void this.refresh()),
      ];
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

  /** `fn` each time the connection opens again after it closed. */
  private onReconnect(fn: () => void): () => void {
    let dropped = false;
    const off = this.client.onConnection?.((state) => {
      if (state === 'closed') dropped = true;
      else if (state === 'open' && dropped) {
        dropped = false;
        fn();
      }
    });
    return off ?? (() => {});
  }

  /** Ask the core again: the issues themselves while a view shows why-lines, else the counts. */
  async refresh(): Promise<void> {
    if (!this.live) return;
    const seq = ++this.seq;
    const list = this.whyViews > 0;
    this.awaiting = list ? 'list' : 'count';
    let next: OpenIssues;
    let tracked = new Map<number, Tracked>();
    try {
      const r = await this.client.call('ml.labelIssues', { limit: list ? WHY_LIMIT : 0 });
      next = { runId: r.run_id, total: r.total, beyond: r.beyond, reviewed: r.reviewed, ranking: r.ranking, byImage: new Map(r.issues.map((i) => [i.image_id, i])) };
      tracked = new Map(r.issues.map((issue) => [issue.image_id, { issue, label: issue.given, verdictOn: null }]));
    } catch {
      // No trained run yet (not_found) or the connection dropped: no count to show.
      next = EMPTY;
    }
    if (seq !== this.seq) return;
    this.awaiting = null;
    this.changes++;
    this.notOpen.clear();
    this.tracked = tracked;
    this.base = { total: next.total ?? 0, beyond: next.beyond, reviewed: next.reviewed };
    this.publish(next);
  }

  /** Labels changed (here, by undo, or in another window): the listed issues they touch follow. */
  labelsChanged(changes: readonly LabelChange[]): void {
    if (!this.live || !changes.length) return;
    let untracked = false;
    this.changes++;
    this.notOpen.clear();
    for (const c of changes) {
      const t = this.tracked.get(c.image_id);
      if (t) t.label = c.new_label;
      else untracked = true;
    }
    this.settle(untracked);
  }

  /**
   * The curator confirmed or dismissed (or reopened) issues: `ml.reviewIssues` answered here (with
   * the core's open count, which checks what follows), or an event named the verdict. A verdict holds
   * on the image's label at the time; one a reopen put back (`restored`, an undo) on the label it had.
   */
  reviewed(imageIds: readonly number[], action: IssueReviewAction, answer?: { open: number }, restored: readonly StoredVerdict[] = []): void {
    if (!this.live) return;
    let untracked = false;
    this.changes++;
    this.notOpen.clear();
    const back = new Map(restored.map((v) => [v.image_id, v.label]));
    for (const id of imageIds) {
      const t = this.tracked.get(id);
      if (!t) untracked = true;
      else if (action === 'reopen') t.verdictOn = back.get(id) ?? null;
      else if (t.label) t.verdictOn = t.label;
    }
    this.settle(untracked);
    // The core counted something else (a verdict from another window sends no event): ask again.
    if (answer && !untracked && this.awaiting === null && this.state.total !== null && this.state.total !== answer.open) void this.refresh();
  }

  /**
   * The why-line of an issue the list does not hold (one ranked past it): asked for by image id and
   * tracked from then on. Nothing is asked while a list is on its way (it may hold it) or when the
   * image has no issue of this run (`issueRank` null). True while it is being asked for.
   */
  whyOf(imageId: number, issueRank: number | null | undefined): boolean {
    if (!this.live || this.whyViews === 0 || issueRank == null || this.state.runId === null) return false;
    if (this.tracked.has(imageId) || this.notOpen.has(imageId)) return false;
    if (this.awaiting === 'list') return true;
    if (this.asking.has(imageId)) return true;
    this.asking.add(imageId);
    void this.askWhy(imageId, this.state.runId);
    this.publish({ ...this.state });
    return true;
  }

  /**
   * Whether the issue of `imageId` is known closed here (its label changed, or a verdict holds on
   * it): false for one still open and for one the source does not follow (past the list).
   */
  closed(imageId: number): boolean {
    const t = this.tracked.get(imageId);
    return !!t && !isOpen(t);
  }

  /** Whether the why-line of `imageId` is being asked for (a list on its way, or `whyOf`'s question). */
  asks(imageId: number): boolean {
    return !this.tracked.has(imageId) && (this.asking.has(imageId) || (this.awaiting === 'list' && this.whyViews > 0));
  }

  private async askWhy(imageId: number, runId: number): Promise<void> {
    try {
      for (let tries = 0; tries < 3; tries++) {
        const changes = this.changes;
        let r;
        try {
          r = await this.client.call('ml.labelIssues', { runId, imageIds: [imageId], limit: 1 });
        } catch {
          return;
        }
        // The run changed meanwhile, or a list now holds it: nothing to add.
        if (this.state.runId !== runId || this.tracked.has(imageId)) return;
        // A label change or verdict since the question may have closed it: ask again.
        if (changes !== this.changes) continue;
        const issue = r.issues[0];
        // Open now (the core lists only open ones) and counted in the core's totals, as the base's are.
        if (issue) {
          this.tracked.set(imageId, { issue, label: issue.given, verdictOn: null });
          this.publish(this.derived());
        } else this.notOpen.add(imageId);
        return;
      }
    } finally {
      this.asking.delete(imageId);
      // Those asking see the answer (or that none came: "not an open issue").
      if (!this.tracked.has(imageId)) this.publish({ ...this.state });
    }
  }

  /** Publish the tracked issues' state; a change to an untracked image (or an answer on its way that may predate the change) asks the core. */
  private settle(untracked: boolean): void {
    if (this.awaiting === 'list') {
      // The list on its way may or may not hold the change: ask for it again.
      void this.refresh();
      return;
    }
    if (this.state.runId !== null) this.publish(this.derived());
    if (untracked || this.awaiting === 'count') void this.recount();
  }

  /** The state from the tracked issues: those no longer open leave the list and the counts. */
  private derived(): OpenIssues {
    let total = this.base.total;
    let beyond = this.base.beyond;
    let reviewed = this.base.reviewed;
    const byImage = new Map<number, LabelIssue>();
    for (const [id, t] of this.tracked) {
      if (isOpen(t)) byImage.set(id, t.issue);
      else {
        if (t.issue.beyond_estimate) beyond--;
        else total--;
        reviewed++;
      }
    }
    return { ...this.state, total, beyond, reviewed, byImage };
  }

  /**
   * The two counts again (limit 0), after a change the tracked issues cannot account for. Fewer
   * open issues: ones past the list closed, the list stands. More (one reopened, which may rank
   * within the list) while why-lines are shown: the list again.
   */
  private async recount(): Promise<void> {
    if (this.whyViews === 0 || this.state.runId === null) return this.refresh();
    const seq = ++this.seq;
    this.awaiting = 'count';
    let r;
    try {
      r = await this.client.call('ml.labelIssues', { limit: 0 });
    } catch {
      r = null;
    }
    if (seq !== this.seq) return;
    this.awaiting = null;
    const now = this.derived();
    if (!r || r.run_id !== now.runId || r.total > (now.total ?? 0) || r.beyond > now.beyond) return this.refresh();
    this.base = { total: this.base.total + r.total - now.total!, beyond: this.base.beyond + r.beyond - now.beyond, reviewed: this.base.reviewed + r.reviewed - now.reviewed };
    this.publish(this.derived());
  }

  private publish(next: OpenIssues): void {
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
