/** Why the focused issue is suspected, and the curator's verdict on the selected issues: confirm the label or dismiss it. */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { IssueReviewAction, StoredVerdict } from '../../../src-shared/domain/ml';
import type { ApiClient } from '../../api/client';
import { fmtCount, fmtInt } from '../../components/format';
import { useApp, useAppStore, useClient, type AppStore } from '../../stores/app';
import type { UndoableStep } from '../../stores/reviewLabelling';
import { focusGallery } from '../review/keys';
import { issuesSource, useOpenIssues } from './openIssues';
import { IssueWhyText } from './issueWhyLine';

/** The verdict an action stores (label_reviews.action). */
const VERDICT = { confirm: 'confirmed', dismiss: 'dismissed' } as const;

/** Verdicts in words, for the toasts. */
const verdictWords = (action: 'confirm' | 'dismiss', n: number) => (action === 'confirm' ? fmtCount(n, 'label confirmed', 'labels confirmed') : fmtCount(n, 'issue dismissed', 'issues dismissed'));

/**
 * What an undo of verdicts did, in words: issues reopened, their verdict taken back ("Undone: 1
 * issue dismissed" read as if the verdict had just been given: curator's-day audit L6).
 */
export const reopenedWords = (action: 'confirm' | 'dismiss', n: number) => `Undone: reopened ${fmtCount(n, 'issue', 'issues')} (${n === 1 ? 'its' : 'their'} ${action === 'confirm' ? 'Confirm label' : 'Dismiss'} taken back)`;

/**
 * Where the focus goes when a verdict takes `leaving` off the list: the first tile at or after the
 * focus whose issue is still open and is not leaving (else, at the end of the list, the nearest
 * before it); null when the loaded pages cannot tell (a page not loaded comes first) or none is left.
 */
export function nextOpenTile(store: AppStore, leaving: ReadonlySet<number>, closed: (imageId: number) => boolean): number | null {
  const s = store.getState();
  const { focus, total } = s.views.issues;
  const stays = (i: number): boolean | undefined => {
    const it = s.itemAt('issues', i);
    return it && !leaving.has(it.image_id) && !closed(it.image_id);
  };
  const end = total ?? 0;
  for (let i = focus; i < end; i++) {
    const ok = stays(i);
    if (ok === undefined) return null;
    if (ok) return i;
  }
  for (let i = Math.min(focus, end) - 1; i >= 0; i--) {
    const ok = stays(i);
    if (ok === undefined) return null;
    if (ok) return i;
  }
  return null;
}

/**
 * A verdict given here, as a step Z takes back: undone by reopening its issues (`ml.reviewIssues`
 * reopen: their verdicts are removed, and the ones this verdict replaced, `replaced`, put back as
 * they were), which come back focused and selected; Shift+Z gives it again on the labels it was given on.
 * The reopen names the verdict it takes back (`undoing`, on the labels `shown`): where another window
 * or the command line has given another verdict on one of the images since, the core refuses it,
 * nothing is changed, and the store shows why (the step is dropped, as a refused label undo is); an
 * image reopened there since is left so (what this verdict replaced is not put back on it).
 */
function verdictStep(store: AppStore, client: ApiClient, imageIds: number[], shown: ('good' | 'bad')[], action: 'confirm' | 'dismiss', replaced: readonly StoredVerdict[] = []): UndoableStep {
  return {
    async undo() {
      const source = issuesSource(client);
      const r = await source.sendVerdict({ imageIds, action: 'reopen', undoing: { action }, shown, ...(replaced.length > 0 && { restore: [...replaced] }) });
      // Put back only where this verdict was taken back (`replaced` of the answer): not on an image reopened elsewhere since.
      const taken = new Set(r.replaced?.map((v) => v.image_id));
      const restore = replaced.filter((v) => taken.has(v.image_id));
      source.reviewed(imageIds, 'reopen', r, restore);
      // A verdict put back on the label this one was given on holds again: its issue stays closed.
      const shownOf = new Map(imageIds.map((id, i) => [id, shown[i]]));
      const held = new Map(restore.filter((v) => v.label === shownOf.get(v.image_id)).map((v) => [v.image_id, v.action]));
      for (const verdict of ['confirmed', 'dismissed'] as const) {
        const ids = imageIds.filter((id) => held.get(id) === verdict);
        if (ids.length) store.getState().issuesReviewed(ids, verdict);
      }
      // Open again only where the label is still the one the verdict was given on.
      const reopened = imageIds.flatMap((id, i) => (held.has(id) ? [] : [[id, shown[i]!] as const]));
      if (reopened.length) {
        store.getState().issuesReviewed(
          reopened.map(([id]) => id),
          null,
          reopened.map(([, l]) => l),
        );
      }
      // The reopened images the new list holds come back selected (the store drops the others).
      store.getState().refreshView('issues', { focusOn: { imageId: imageIds[0]!, selection: new Set(imageIds) } });
      store.getState().toast('info', `${reopenedWords(action, r.changed)}; ${fmtInt(r.open)} open (Shift+Z redoes)`);
      return {
        async redo() {
          const again = await issuesSource(client).sendVerdict({ imageIds, action, shown });
          issuesSource(client).reviewed(imageIds, action, again);
          store.getState().issuesReviewed(imageIds, VERDICT[action]);
          // As a verdict given here: the focus (and with it the selection) moves on to the next open issue.
          const source = issuesSource(client);
          const next = nextOpenTile(store, new Set(imageIds), (id) => source.closed(id));
          if (next !== null) store.getState().focusIndex('issues', next);
          store.getState().refreshView('issues');
          store.getState().toast('info', `Redone: ${verdictWords(action, again.changed)}; ${fmtInt(again.open)} open`);
          return verdictStep(store, client, imageIds, shown, action, again.replaced);
        },
      };
    },
  };
}

export function IssueReviewBar() {
  const store = useAppStore();
  const client = useClient();
  const open = useOpenIssues({ why: true });
  const focusItem = useApp((s) => s.itemAt('issues', s.views.issues.focus));
  const selection = useApp((s) => s.views.issues.selection);
  // The threshold the tiles are flagged at, for the run's score beside the why-line.
  const threshold = useApp((s) => (s.scoresStatus === 'ready' ? s.threshold : null));
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const why = focusItem ? open.byImage.get(focusItem.image_id) : undefined;
  // An issue ranked past the list held here (more than 5,000 open): its why-line asked for by id.
  const source = issuesSource(client);
  const focusId = focusItem?.image_id;
  const focusRank = focusItem?.issue_rank;
  useEffect(() => {
    if (focusId !== undefined && !why) source.whyOf(focusId, focusRank);
  }, [source, focusId, focusRank, why, open]);
  const asking = focusId !== undefined && !why && focusRank != null && source.asks(focusId);

  /**
   * The selected images (the selection holds image ids), else the focused one, each with the label
   * its tile shows: the verdict is on that label (the core refuses it if the label changed since).
   * An image with no label shown, or whose tile is not loaded here, is left out.
   */
  const targets = (): { imageIds: number[]; shown: ('good' | 'bad')[] } => {
    const want = selection.size ? selection : new Set(focusItem ? [focusItem.image_id] : []);
    const shownOf = new Map<number, 'good' | 'bad'>();
    // This version's pages first, then the tiles a refresh on its way still shows (every verdict starts one).
    const v = store.getState().views.issues;
    for (const pages of [v.pages, v.previous]) {
      for (const items of pages.values()) {
        for (const it of items) if (want.has(it.image_id) && it.label && !shownOf.has(it.image_id)) shownOf.set(it.image_id, it.label);
      }
    }
    const imageIds = [...want].filter((id) => shownOf.has(id));
    return { imageIds, shown: imageIds.map((id) => shownOf.get(id)!) };
  };
  /**
   * Give the verdict, in turn with the label keys (a Z pressed meanwhile takes it back, not the label
   * step before it), and record it for Z. The focus moves on to the next issue still open (the tiles
   * the verdict closes leave the list, as do those fixed by a label key since the last refresh), and
   * the keyboard focus from the button back to the gallery once the verdict is sent.
   */
  const act = async (action: Exclude<IssueReviewAction, 'reopen'>) => {
    if (sending.current || off) return;
    const { imageIds, shown } = targets();
    if (!imageIds.length) return;
    sending.current = true;
    setBusy(true);
    try {
      await store.getState().runUndoable(async () => {
        try {
          const r = await source.sendVerdict({ imageIds, action, shown });
          store.getState().toast('info', `${verdictWords(action, r.changed)}; ${fmtInt(r.open)} open`);
          const next = nextOpenTile(store, new Set(imageIds), (id) => source.closed(id));
          if (next !== null) store.getState().focusIndex('issues', next);
          store.getState().refreshView('issues');
          // The why-lines and counts follow in place (no list of 5,000 issues again per verdict).
          source.reviewed(imageIds, action, r);
          // Review's tiles of these images (and the preview) show the issue closed.
          store.getState().issuesReviewed(imageIds, VERDICT[action]);
          return r.changed ? verdictStep(store, client, imageIds, shown, action, r.replaced) : null;
        } catch (e) {
          store.getState().reportError(e, action === 'confirm' ? 'Confirm label' : 'Dismiss');
          return null;
        }
      });
    } finally {
      sending.current = false;
      setBusy(false);
      // The verdict given, the keys go on acting on the gallery (its focus on the next issue): left on
      // the button, Enter or Space would give the same verdict to that issue, unseen. Where the
      // curator put the focus elsewhere meanwhile, it stays there.
      const at = document.activeElement;
      if (at === null || at === document.body || actionsRef.current?.contains(at)) focusGallery('issues');
    }
  };
  // A verdict is for an open issue: the focused tile must be one, unless other tiles are selected too.
  const onlyFocus = !selection.size || (selection.size === 1 && focusId !== undefined && selection.has(focusId));
  const off = !focusItem || (onlyFocus && !why);
  // Off (no open issue in focus, its why-line still asked for) or while a verdict is sent, the buttons
  // are aria-disabled, never disabled: Chromium takes the keyboard focus off a button as it becomes
  // disabled, before an effect could hand it on, and drops it on the page. One that turns off while
  // it holds the focus hands the focus to the gallery (a press on it while off does nothing).
  const actionsRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (off && !busy && actionsRef.current?.contains(document.activeElement)) focusGallery('issues');
  }, [off, busy]);
  return (
    <div className="issuebar" data-testid="issue-review">
      <div className="issuebar__why small" data-testid="issue-why">
        {why ? <IssueWhyText issue={why} p={focusItem?.p_bad} threshold={threshold} where="on the tile" testId="issue-why" /> : asking ? '…' : focusItem ? 'Not an open issue of this run.' : 'Pick an image to see why it is suspected.'}
      </div>
      <div className="issuebar__actions" ref={actionsRef}>
        <span className="muted small" data-testid="issue-open" data-value={open.total ?? ''}>
          {open.total === null
            ? ''
            : `${fmtInt(open.total)} open${open.beyond ? ` (then ${fmtInt(open.beyond)} beyond the estimate)` : ''}${open.reviewed ? ` · ${fmtInt(open.reviewed)} reviewed` : ''}${open.ranking ? ` · ranked by ${open.ranking}` : ''}`}
        </span>
        <button type="button" className="btn btn--small btn--good" aria-disabled={off || busy || undefined} onClick={() => void act('confirm')} data-testid="issue-confirm" title="The label is right: keep it, weigh it fully, never list or prune it again">
          Confirm label
        </button>
        <button type="button" className="btn btn--small" aria-disabled={off || busy || undefined} onClick={() => void act('dismiss')} data-testid="issue-dismiss" title="Not an issue: take it off the queue (remembered across retrains)">
          Dismiss
        </button>
      </div>
    </div>
  );
}
