/** Export of tag TSVs and classification of a bundle. */
import type { ClassifySummary, ExportSummary } from '../../src-shared/domain/ml';
import type { ClassifyRequest } from '../../src-shared/contract/handlers';
import { cleanMirrors, type MirrorRow, type Slice } from './types';

export interface ExportForm {
  outDir: string;
  scope: 'library' | 'bundle';
  bundleId: string;
}

export interface ClassifyForm {
  source: string;
  mirrors: MirrorRow[];
  outDir: string;
}

export interface ExportSlice {
  exportForm: ExportForm;
  classifyForm: ClassifyForm;
  exportJobId: number | null;
  classifyJobId: number | null;
  lastExport: ExportSummary | null;
  lastClassify: ClassifySummary | null;
  setExportForm(patch: Partial<ExportForm>): void;
  setClassifyForm(patch: Partial<ClassifyForm>): void;
  startExport(): Promise<ExportSummary | null>;
  startClassify(): Promise<ClassifySummary | null>;
}

export const exportSlice: Slice<ExportSlice> = (set, get) => ({
  exportForm: { outDir: '', scope: 'library', bundleId: '' },
  classifyForm: { source: '', mirrors: [{ prefix: '', dir: '' }], outDir: '' },
  exportJobId: null,
  classifyJobId: null,
  lastExport: null,
  lastClassify: null,
  setExportForm(patch) {
    set((s) => ({ exportForm: { ...s.exportForm, ...patch } }));
  },
  setClassifyForm(patch) {
    set((s) => ({ classifyForm: { ...s.classifyForm, ...patch } }));
  },
  async startExport() {
    const f = get().exportForm;
    const outDir = f.outDir.trim();
    if (!outDir) {
      get().toast('error', 'Type the folder to write the tag files to');
      return null;
    }
    let bundleId: number | undefined;
    if (f.scope === 'bundle') {
      bundleId = Number(f.bundleId);
      if (!Number.isInteger(bundleId) || bundleId < 1) {
        get().toast('error', 'Choose the bundle to export');
        return null;
      }
    }
    const job = get().startJob('export.tags', { outDir, ...(bundleId !== undefined && { bundleId }) }, { label: 'Export tags' });
    set({ exportJobId: job.id });
    try {
      const summary = await job.promise;
      set({ lastExport: summary });
      get().toast('success', `Exported ${summary.rows} rows (${summary.tagged_bad} tagged bad) to ${summary.files.length} file${summary.files.length === 1 ? '' : 's'}`);
      return summary;
    } catch (e) {
      get().reportError(e, 'Export');
      return null;
    } finally {
      if (get().exportJobId === job.id) set({ exportJobId: null });
    }
  },
  async startClassify() {
    const f = get().classifyForm;
    const source = f.source.trim();
    const outDir = f.outDir.trim();
    if (!source || !outDir) {
      get().toast('error', 'Type the bundle file and the output folder');
      return null;
    }
    // No mirrors of its own: the Library screen's (a bundle usually names the same image host).
    const own = cleanMirrors(f.mirrors);
    const mirrors = own.length ? own : cleanMirrors(get().importForm.mirrors);
    const args: ClassifyRequest = { source, outDir, ...(mirrors.length && { mirrors }) };
    const job = get().startJob('ml.classify', args, { label: 'Classify bundle' });
    set({ classifyJobId: job.id });
    try {
      const summary = await job.promise;
      set({ lastClassify: summary });
      get().toast('success', `Classified ${summary.images} images of bundle ${summary.bundle_id}: ${summary.tagged_bad} tagged bad`);
      // Its images and its bundle are now in the library (Review's "From" filter, the bundle picker).
      await get().libraryChanged();
      return summary;
    } catch (e) {
      get().reportError(e, 'Classify');
      return null;
    } finally {
      if (get().classifyJobId === job.id) set({ classifyJobId: null });
    }
  },
});
