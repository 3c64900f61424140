/** The app store's shape: one zustand store made of slices, each in its own file. */
import type { StoreApi } from 'zustand/vanilla';
import { splitMirrorSpec } from '../../src-shared/domain/mirror';
import type { ApiClient } from '../api/client';
import type { ExportSlice } from './exportSlice';
import type { JobsSlice } from './jobs';
import type { LibrarySlice } from './library';
import type { ReviewSlice } from './review';
import type { ToastSlice } from './toasts';
import type { TrainingSlice } from './training';
import type { UiSlice } from './ui';

export type AppState = UiSlice & ToastSlice & JobsSlice & LibrarySlice & ReviewSlice & TrainingSlice & ExportSlice;
export type AppStore = StoreApi<AppState>;
export type SetState = AppStore['setState'];
export type GetState = AppStore['getState'];
export type Slice<T> = (set: SetState, get: GetState, client: ApiClient) => T;

/** A `PREFIX=DIR` mirror row of the import and classify forms. */
export interface MirrorRow {
  prefix: string;
  dir: string;
}

/** Mirror rows as the API wants them: blanks dropped, `PREFIX=DIR` pasted into one field split. */
export function cleanMirrors(rows: readonly MirrorRow[]): { prefix: string; dir: string }[] {
  const out: { prefix: string; dir: string }[] = [];
  for (const row of rows) {
    let prefix = row.prefix.trim();
    let dir = row.dir.trim();
    const pasted = !dir ? splitMirrorSpec(prefix) : null;
    if (pasted) {
      prefix = pasted.prefix.trim();
      dir = pasted.dir.trim();
    }
    if (prefix && dir) out.push({ prefix, dir });
  }
  return out;
}
