/** The preview pane: the focused image's details (`images.get`), reloaded when the focus moves. */
import type { ImageDetail } from '../../src-shared/domain/library';
import type { ApiClient } from '../api/client';
import { errorText } from '../api/errorText';
import type { GalleryInternals, ViewKey } from './reviewGallery';
import type { GetState, SetState } from './types';

export interface PreviewState {
  open: boolean;
  view: ViewKey;
  imageId: number | null;
  detail: ImageDetail | null;
  loading: boolean;
  error: string | null;
}

export interface PreviewSlice {
  preview: PreviewState;
  openPreview(view: ViewKey): void;
  closePreview(): void;
  loadDetail(): Promise<void>;
}

export interface PreviewInternals {
  /** Whether the open preview shows one of these images. */
  shows(ids: Iterable<number>): boolean;
  /** The focus moved in `view`: reload the details after a short pause. */
  focusMoved(view: ViewKey): void;
}

export function previewSlice(set: SetState, get: GetState, client: ApiClient, g: GalleryInternals): { slice: PreviewSlice; internals: PreviewInternals } {
  let detailTimer: ReturnType<typeof setTimeout> | null = null;
  let detailSeq = 0;

  const scheduleDetail = () => {
    if (!get().preview.open) return;
    if (detailTimer) clearTimeout(detailTimer);
    detailTimer = setTimeout(() => {
      detailTimer = null;
      void get().loadDetail();
    }, 80);
  };

  const internals: PreviewInternals = {
    shows(ids) {
      const p = get().preview;
      if (!p.open || p.imageId === null) return false;
      for (const id of ids) if (id === p.imageId) return true;
      return false;
    },
    focusMoved(view) {
      if (get().preview.view === view) scheduleDetail();
    },
  };

  const slice: PreviewSlice = {
    preview: { open: false, view: 'review', imageId: null, detail: null, loading: false, error: null },

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
      const it = g.itemAt(preview.view, v.focus);
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
        set((s) => ({ preview: { ...s.preview, loading: false, error: errorText(e) } }));
      }
    },
  };
  return { slice, internals };
}
