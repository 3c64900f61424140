/** Labelling from the review gallery: optimistic with rollback, undo, and changes pushed by the core. */
import type { LabelChange, LabelValue } from '../../src-shared/domain/library';
import { toQcError, type ApiClient } from '../api/client';
import { dependsOnLabels, PAGE_SIZE, VIEW_KEYS, type GalleryInternals, type Patch, type ViewKey } from './reviewGallery';
import type { GetState } from './types';
import { serialQueue } from './serialQueue';
import { countOf, noun } from '../../src-shared/domain/words';

/**
 * A step of this window that is not a label change (a verdict on label issues) and that Z takes
 * back in its turn among the label changes. `undo` returns how to apply it again (Shift+Z), or null
 * when there was nothing to take back; it throws when the core refused (a `conflict` or `not_found`
 * drops the step, another error keeps it for the next Z).
 */
export interface UndoableStep {
  undo(): Promise<RedoableStep | null>;
}
export interface RedoableStep {
  /** Apply the step again; returns the step to undo, or null when nothing was applied. */
  redo(): Promise<UndoableStep | null>;
}

export interface LabellingSlice {
  /** Label `imageIds` (the preview's own buttons), else the selection, else the focused tile: optimistic, then one `labels.set`; rolled back on error. */
  setLabel(view: ViewKey, label: LabelValue, imageIds?: readonly number[]): Promise<void>;
  /** Undo this window's newest label change or verdict still standing (never another window's or the command line's). */
  undo(): Promise<void>;
  /**
   * Run `work` in turn with the label steps (after those before it are answered) and record the step
   * it returns for Z (the redo stack cleared), as a label change is: a verdict on label issues.
   */
  runUndoable(work: () => Promise<UndoableStep | null>): Promise<void>;
  /** Apply again what the last undo reverted (Shift+Z); any new label change clears it. */
  redo(): Promise<void>;
  /** Apply label changes from the core (results, undo, `label.changed` events). */
  applyChanges(changes: readonly LabelChange[]): void;
}

export function labellingSlice(get: GetState, client: ApiClient, g: GalleryInternals, preview: { shows(ids: Iterable<number>): boolean }): LabellingSlice {
  const { itemAt, currentOf, applyPatch } = g;
  /** What undos reverted, newest last: each the labels to put back, or a verdict to give again. */
  const redoStack: ({ image_id: number; label: LabelValue }[] | RedoableStep)[] = [];
  /**
   * The steps made here, newest last: a label step as the core's batch ids (a redo may take one
   * call per label), undone by id, newest batch first; or another undoable step (a verdict on label
   * issues). Z undoes these only.
   */
  const undoStack: (number[] | UndoableStep)[] = [];
  /**
   * The label steps of this window (setLabel, undo, redo), one after the other: each waits for the
   * one before to be answered, so a Z pressed while a B is still on its way undoes that B (its step
   * is recorded by then), not the step before it.
   */
  const queued = serialQueue();
  /** Where a label step (of undoStack, or of redoStack once undone) was made: the view and its images. */
  const madeIn = new WeakMap<object, { view: ViewKey; imageIds: readonly number[] }>();
  const remember = (batchIds: (number | null)[], at?: { view: ViewKey; imageIds: readonly number[] }) => {
    const ids = batchIds.filter((b): b is number => b !== null);
    if (!ids.length) return;
    undoStack.push(ids);
    if (at) madeIn.set(ids, at);
  };
  /**
   * Z took back a label given to one image: the focus goes back to it where its tile is loaded (as
   * Label issues focuses a reopened issue). With "next after B/G" the focus had moved on to the next
   * image, and the next B or G labelled that one, not the image whose label was just undone.
   */
  const refocus = (view: ViewKey, imageId: number) => {
    const v = get().views[view];
    if (itemAt(view, v.focus)?.image_id === imageId) return;
    for (const [p, items] of v.pages) {
      const k = items.findIndex((it) => it.image_id === imageId);
      if (k >= 0) return get().focusIndex(view, p * PAGE_SIZE + k);
    }
  };
  /**
   * Labels changed (here, by undo, or in another window): a view whose list depends on labels (a
   * label, origin or outcome filter; the open label issues) no longer matches its cached pages. Its
   * tiles stay where they are (patched), so the curator can look, preview and undo; the view is
   * refetched before the next page it needs (gallery markStale). Fetched by offset into the changed
   * list, that page skipped as many images as had left the list.
   */
  const labelsChanged = () => {
    for (const view of VIEW_KEYS) if (dependsOnLabels(view, get().views[view].filters)) g.markStale(view);
  };
  /**
   * Images whose label change failed while a later change of theirs was still on its way: what they
   * showed before the failed one. The later change took the failed one's value, never saved, as what
   * it had before: B then G on one image, both refused while qc serve was down, left the tile
   * showing "bad" as the curator's. The core's word on an image (an answer, an event) drops it.
   */
  const beneath: Patch = new Map();
  /**
   * Label changes put back while qc serve cannot be reached. reportError says nothing then (every
   * call fails the same way, and the sidebar says "not connected" once), but a label that goes back
   * on screen must be told: with "next after B/G" the curator has moved on when it goes back, up to
   * 5 s later. One toast per burst: a change put back while the last one still shows replaces it
   * with the sum.
   */
  const putBack = { toast: null as number | null, unsaved: 0, unanswered: 0 };
  const tellNotSaved = (n: number, e: unknown) => {
    const s = get();
    if (s.connection === 'open') {
      s.reportError(e, 'Label');
      return;
    }
    const shown = putBack.toast !== null && s.toasts.some((t) => t.id === putBack.toast);
    if (shown) s.dismissToast(putBack.toast!);
    else putBack.unsaved = putBack.unanswered = 0;
    // Refused before it was sent (the link down, or 5 s without it): nothing saved. Sent as the link dropped: not known.
    if (toQcError(e).code === 'not_available') putBack.unsaved += n;
    else putBack.unanswered += n;
    putBack.toast = s.toast('error', putBackText(putBack.unsaved, putBack.unanswered));
  };

  return {
    async setLabel(view, label, imageIds) {
      const v = get().views[view];
      let ids = imageIds ? [...imageIds] : [...v.selection];
      if (!ids.length) {
        const it = itemAt(view, v.focus);
        if (it) ids = [it.image_id];
      }
      if (!ids.length) return;
      // Shown at once; sent (and recorded for undo, the redo stack cleared) after the steps before it.
      const before = currentOf(ids);
      const optimistic: Patch = new Map(ids.map((id) => [id, { label, origin: 'curator' as const }]));
      applyPatch(optimistic);
      return queued(async () => {
        redoStack.length = 0;
        try {
          const r = await client.call('labels.set', { imageIds: ids, label });
          remember([r.batch_id], { view, imageIds: ids });
          // What the core says wins; images it left unchanged get back what they had.
          const confirm: Patch = new Map(r.changed.map((c) => [c.image_id, { label: c.new_label, origin: c.new_origin ?? 'import' }]));
          for (const id of ids) {
            const was = beneath.get(id) ?? before.get(id);
            if (!confirm.has(id) && was) confirm.set(id, was);
            beneath.delete(id);
          }
          applyPatch(confirm);
          if (r.changed.length) labelsChanged();
          get().scheduleStatusRefresh();
          if (preview.shows(ids)) void get().loadDetail();
        } catch (e) {
          // Roll back what still shows the optimistic value (a later change wins).
          const now = currentOf(ids);
          const rollback: Patch = new Map();
          for (const [id, was] of before) {
            const cur = now.get(id);
            if (cur && cur.label === label && cur.origin === 'curator') {
              rollback.set(id, beneath.get(id) ?? was);
              beneath.delete(id);
            } else if (cur && !beneath.has(id)) beneath.set(id, was);
          }
          applyPatch(rollback);
          tellNotSaved(ids.length, e);
        }
      });
    },

    undo() {
      return queued(async () => {
        const step = undoStack.pop();
        if (!step) {
          get().toast('info', 'Nothing to undo');
          return;
        }
        if (!Array.isArray(step)) {
          try {
            const again = await step.undo();
            if (again) redoStack.push(again);
          } catch (e) {
            const { code } = toQcError(e);
            if (code !== 'conflict' && code !== 'not_found') undoStack.push(step);
            get().reportError(e, 'Undo');
          }
          return;
        }
        const changed: LabelChange[] = [];
        let failed = false;
        try {
          // Newest batch first; one the core refuses (undone elsewhere, or its labels changed since) stays as it is.
          for (const batchId of [...step].reverse()) {
            const r = await client.call('labels.undo', { batchId });
            step.pop();
            changed.push(...r.changed);
            get().applyChanges(r.changed);
          }
        } catch (e) {
          // Refused for good (undone elsewhere, its labels changed since): dropped; else Z tries it again.
          const { code } = toQcError(e);
          const refused = code === 'conflict' || code === 'not_found';
          if (step.length && !refused) undoStack.push(step);
          get().reportError(e, 'Undo');
          failed = true;
        }
        if (!changed.length) return;
        const again = changed.map((c) => ({ image_id: c.image_id, label: c.old_label }));
        redoStack.push(again);
        const at = madeIn.get(step);
        if (at) {
          madeIn.set(again, at);
          const [only] = at.imageIds;
          if (at.imageIds.length === 1 && changed.some((c) => c.image_id === only)) refocus(at.view, only!);
        }
        get().scheduleStatusRefresh();
        if (!failed) get().toast('info', `Undone: ${countOf(changed.length, 'label')} (Shift+Z redoes)`);
      });
    },

    redo() {
      return queued(async () => {
        const batch = redoStack.pop();
        if (!batch) {
          get().toast('info', 'Nothing to redo');
          return;
        }
        if (!Array.isArray(batch)) {
          try {
            const step = await batch.redo();
            if (step) undoStack.push(step);
          } catch (e) {
            const { code } = toQcError(e);
            if (code !== 'conflict' && code !== 'not_found') redoStack.push(batch);
            get().reportError(e, 'Redo');
          }
          return;
        }
        const made: (number | null)[] = [];
        try {
          const byLabel = new Map<LabelValue, number[]>();
          for (const c of batch) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c.image_id]);
          for (const [label, imageIds] of byLabel) {
            const r = await client.call('labels.set', { imageIds, label });
            made.push(r.batch_id);
            get().applyChanges(r.changed);
          }
          remember(made, madeIn.get(batch));
          get().scheduleStatusRefresh();
          get().toast('info', `Redone: ${countOf(batch.length, 'label')}`);
        } catch (e) {
          remember(made, madeIn.get(batch));
          redoStack.push(batch);
          get().reportError(e, 'Redo');
        }
      });
    },

    runUndoable(work) {
      return queued(async () => {
        const step = await work();
        if (!step) return;
        redoStack.length = 0;
        undoStack.push(step);
      });
    },

    applyChanges(changes) {
      const patch: Patch = new Map(changes.map((c) => [c.image_id, { label: c.new_label, origin: c.new_origin ?? 'import' }]));
      for (const id of patch.keys()) beneath.delete(id);
      applyPatch(patch);
      if (preview.shows(patch.keys())) void get().loadDetail();
      if (changes.length) labelsChanged();
    },
  };
}

/** The toast of label changes put back while qc serve could not be reached (NoSession.tsx's words). */
export function putBackText(unsaved: number, unanswered: number): string {
  const parts: string[] = [];
  if (unsaved) parts.push(`${countOf(unsaved, 'label change')} ${noun(unsaved, 'was', 'were')} not saved (not connected to qc serve): ${noun(unsaved, 'it was', 'they were')} put back`);
  if (unanswered) parts.push(`${countOf(unanswered, 'label change')} sent as the link to qc serve dropped may not have been saved: put back until it reconnects`);
  return parts.join('; ');
}
