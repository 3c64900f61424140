/** Labelling from the review gallery: optimistic with rollback, undo, and changes pushed by the core. */
import type { LabelChange, LabelValue } from '../../src-shared/domain/library';
import type { ApiClient } from '../api/client';
import { dependsOnLabels, VIEW_KEYS, type GalleryInternals, type Patch, type ViewKey } from './reviewGallery';
import type { GetState } from './types';

export interface LabellingSlice {
  /** Label `imageIds` (the preview's own buttons), else the selection, else the focused tile: optimistic, then one `labels.set`; rolled back on error. */
  setLabel(view: ViewKey, label: LabelValue, imageIds?: readonly number[]): Promise<void>;
  undo(): Promise<void>;
  /** Apply again what the last undo reverted (Shift+Z); any new label change clears it. */
  redo(): Promise<void>;
  /** Apply label changes from the core (results, undo, `label.changed` events). */
  applyChanges(changes: readonly LabelChange[]): void;
}

export function labellingSlice(get: GetState, client: ApiClient, g: GalleryInternals, preview: { shows(ids: Iterable<number>): boolean }): LabellingSlice {
  const { itemAt, currentOf, applyPatch } = g;
  /** What undos reverted, newest last: each the labels to put back. */
  const redoStack: { image_id: number; label: LabelValue }[][] = [];
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

  return {
    async setLabel(view, label, imageIds) {
      const v = get().views[view];
      let ids = imageIds ? [...imageIds] : [...v.selection];
      if (!ids.length) {
        const it = itemAt(view, v.focus);
        if (it) ids = [it.image_id];
      }
      if (!ids.length) return;
      redoStack.length = 0;
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
        if (r.changed.length) labelsChanged();
        get().scheduleStatusRefresh();
        if (preview.shows(ids)) void get().loadDetail();
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
        redoStack.push(r.changed.map((c) => ({ image_id: c.image_id, label: c.old_label })));
        get().scheduleStatusRefresh();
        get().toast('info', `Undone: ${r.changed.length} label${r.changed.length === 1 ? '' : 's'} (Shift+Z redoes)`);
      } catch (e) {
        get().reportError(e, 'Undo');
      }
    },

    async redo() {
      const batch = redoStack.pop();
      if (!batch) {
        get().toast('info', 'Nothing to redo');
        return;
      }
      try {
        const byLabel = new Map<LabelValue, number[]>();
        for (const c of batch) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c.image_id]);
        for (const [label, imageIds] of byLabel) {
          const r = await client.call('labels.set', { imageIds, label });
          get().applyChanges(r.changed);
        }
        get().scheduleStatusRefresh();
        get().toast('info', `Redone: ${batch.length} label${batch.length === 1 ? '' : 's'}`);
      } catch (e) {
        redoStack.push(batch);
        get().reportError(e, 'Redo');
      }
    },

    applyChanges(changes) {
      const patch: Patch = new Map(changes.map((c) => [c.image_id, { label: c.new_label, origin: c.new_origin ?? 'import' }]));
      applyPatch(patch);
      if (preview.shows(patch.keys())) void get().loadDetail();
      if (changes.length) labelsChanged();
    },
  };
}
