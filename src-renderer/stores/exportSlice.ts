/**
 * Export of tag TSVs, classification of a bundle, and the files for other tools (training folders,
 * the model); each runs as a job through `runTrackedJob` (jobRunner.ts), its id in `…JobId`.
 */
import type { ClassifySummary, ExportSummary } from '../../src-shared/domain/ml';
import type { ModelExportSummary, TrainingExportSummary } from '../../src-shared/domain/runQuality';
import type { ClassifyRequest } from '../../src-shared/contract/handlers';
import { isAbsolutePath } from '../../src-shared/contract/schemas';
import { formErrors } from './formErrors';
import { runTrackedJob } from './jobRunner';
import { cleanMirrors, type MirrorRow, type Slice } from './types';
import { countOf } from '../../src-shared/domain/words';
import { unfinishedTagMergeText } from '../../src-shared/domain/library';

/**
 * A bundle file's name as the job bar and the toasts show it (the name the library gives the
 * bundle): the last part of its path or URL, without the folders (nor a URL's query or fragment).
 */
export function shownFileName(source: string): string {
  const typed = source.trim();
  const path = /^https?:\/\//iu.test(typed) ? typed.replace(/[?#].*$/su, '') : typed;
  return path.split(/[\\/]+/u).filter(Boolean).at(-1) ?? typed;
}

/**
 * Why a typed output folder cannot be used before it is sent: a relative one (the API takes whole
 * paths only; it would be read against the folder the app or `qc serve` was started in). Null when
 * it has the shape of a whole path. The Export screen's preview says it too, before Export is pressed.
 */
export function relativeFolderText(dir: string): string | null {
  return isAbsolutePath(dir) ? null : `Type the whole path of the output folder, from the top (/… or C:\\…): "${dir}" would be looked up from the folder the app was started in (~ is not expanded)`;
}

/** Why an export's output folder (trimmed) cannot be used: `empty` when none was typed, else relativeFolderText's words; null when it can. */
function outDirProblem(outDir: string, empty: string): string | null {
  return outDir ? relativeFolderText(outDir) : empty;
}

/** "bundle b.tsv (id 3)", or "bundle 3" when its name is not known here. */
function bundleLabel(name: string | null, id: number): string {
  return name ? `bundle ${name} (id ${id})` : `bundle ${id}`;
}

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

/** Export → Files for other tools: the training folders' folder and sample size, the model's folder. */
export interface SeedFilesForm {
  trainingDir: string;
  sample: string;
  modelDir: string;
}

export interface ExportSlice {
  exportForm: ExportForm;
  seedForm: SeedFilesForm;
  /** The running training-folders or model export (one at a time; the form survives leaving the screen). */
  trainingJobId: number | null;
  modelJobId: number | null;
  lastTraining: TrainingExportSummary | null;
  lastModel: ModelExportSummary | null;
  setSeedForm(patch: Partial<SeedFilesForm>): void;
  startTrainingExport(): Promise<TrainingExportSummary | null>;
  startModelExport(): Promise<ModelExportSummary | null>;
  classifyForm: ClassifyForm;
  exportJobId: number | null;
  classifyJobId: number | null;
  lastExport: ExportSummary | null;
  /**
   * The folder of the last export that ended with no result (an error or a cancel; the core writes an
   * export whole or not at all) while `lastExport` is still an older one, so that the Export screen
   * does not let that older result pass for this attempt's — also when the export ended while another
   * screen was shown. Null while an export runs, once one succeeds, or when none ended so.
   */
  exportUnfinished: string | null;
  lastClassify: ClassifySummary | null;
  /**
   * The last classify that ended with no result (an error or a cancel) while `lastClassify` is an
   * older one: its bundle file and output folder, so that the card does not show that older result
   * as this attempt's (as `exportUnfinished` for Export tags). Null while a classify runs, once one
   * succeeds, or when none ended so.
   */
  classifyUnfinished: { source: string; outDir: string } | null;
  setExportForm(patch: Partial<ExportForm>): void;
  setClassifyForm(patch: Partial<ClassifyForm>): void;
  startExport(): Promise<ExportSummary | null>;
  startClassify(): Promise<ClassifySummary | null>;
}

export const exportSlice: Slice<ExportSlice> = (set, get) => {
  // Each form's error toasts, gone when that form is changed.
  const seedErrors = formErrors(get);
  const exportErrors = formErrors(get);
  const classifyErrors = formErrors(get);
  return {
    exportForm: { outDir: '', scope: 'library', bundleId: '' },
    seedForm: { trainingDir: '', sample: '7000', modelDir: '' },
    trainingJobId: null,
    modelJobId: null,
    lastTraining: null,
    lastModel: null,
    setSeedForm(patch) {
      seedErrors.clear();
      set((s) => ({ seedForm: { ...s.seedForm, ...patch } }));
    },
    async startTrainingExport() {
      if (get().trainingJobId !== null || get().modelJobId !== null) return null;
      const f = get().seedForm;
      const outDir = f.trainingDir.trim();
      const sample = Number(f.sample);
      const trainingProblem = outDirProblem(outDir, 'Type a new or empty folder for the training set');
      if (trainingProblem) {
        seedErrors.show(trainingProblem);
        return null;
      }
      if (!Number.isInteger(sample) || sample < 1) {
        seedErrors.show('The sample size is a whole number of at least 1');
        return null;
      }
      return runTrackedJob(set, get, {
        idKey: 'trainingJobId',
        method: 'export.training',
        args: { outDir, sample },
        label: 'Export training folders',
        context: 'Export training folders',
        form: seedErrors,
        keep: (r) => ({ lastTraining: r }),
        success: (r) => `Training folders written to ${r.dir}`,
      });
    },
    async startModelExport() {
      if (get().trainingJobId !== null || get().modelJobId !== null) return null;
      const outDir = get().seedForm.modelDir.trim();
      const modelProblem = outDirProblem(outDir, 'Type the folder for the model');
      if (modelProblem) {
        seedErrors.show(modelProblem);
        return null;
      }
      return runTrackedJob(set, get, {
        idKey: 'modelJobId',
        method: 'export.model',
        args: { outDir },
        label: 'Export model',
        context: 'Export model',
        form: seedErrors,
        keep: (r) => ({ lastModel: r }),
        success: (r) => `Run ${r.run_id} exported as ONNX`,
      });
    },
    classifyForm: { source: '', mirrors: [{ prefix: '', dir: '' }], outDir: '' },
    exportJobId: null,
    classifyJobId: null,
    lastExport: null,
    exportUnfinished: null,
    lastClassify: null,
    classifyUnfinished: null,
    setExportForm(patch) {
      exportErrors.clear();
      set((s) => ({ exportForm: { ...s.exportForm, ...patch } }));
    },
    setClassifyForm(patch) {
      classifyErrors.clear();
      set((s) => ({ classifyForm: { ...s.classifyForm, ...patch } }));
    },
    async startExport() {
      const f = get().exportForm;
      const outDir = f.outDir.trim();
      const problem = outDirProblem(outDir, 'Type the folder to write the tag files to');
      if (problem) {
        exportErrors.show(problem);
        return null;
      }
      let bundleId: number | undefined;
      if (f.scope === 'bundle') {
        bundleId = Number(f.bundleId);
        if (!Number.isInteger(bundleId) || bundleId < 1) {
          exportErrors.show('Choose the bundle to export');
          return null;
        }
      }
      set({ exportUnfinished: null });
      const before = get().lastExport;
      const result = await runTrackedJob(set, get, {
        idKey: 'exportJobId',
        method: 'export.tags',
        args: { outDir, ...(bundleId !== undefined && { bundleId }) },
        label: bundleId === undefined ? 'Export tags of the library' : `Export tags of ${bundleLabel(get().sources?.bundles.find((b) => b.id === bundleId)?.name ?? null, bundleId)}`,
        context: 'Export',
        form: exportErrors,
        keep: (summary) => ({ lastExport: summary }),
        success: (summary) =>
          `Exported ${countOf(summary.rows, 'row')} (${summary.tagged_bad} tagged bad) to ${countOf(summary.files.length, 'file')}` +
          // Predictions merged from tag files into other runs are not in it (the Export screen says what to do).
          (summary.merged_other_runs ?? []).map((m) => `; ${countOf(m.urls, 'prediction')} merged for run #${m.run_id} not in it`).join('') +
          // A tag-file merge into the run that stopped part way: the export has only part of it.
          (summary.unfinished_tag_merges ?? []).map((m) => `; only part of its merged predictions: ${unfinishedTagMergeText(m)}`).join(''),
      });
      if (result === null && get().lastExport === before) set({ exportUnfinished: outDir });
      return result;
    },
    async startClassify() {
      const f = get().classifyForm;
      const source = f.source.trim();
      const outDir = f.outDir.trim();
      if (!source || !outDir) {
        classifyErrors.show('Type the bundle file and the output folder');
        return null;
      }
      const relative = relativeFolderText(outDir);
      if (relative) {
        classifyErrors.show(relative);
        return null;
      }
      // No mirrors of its own: the Library screen's (a bundle usually names the same image host).
      const own = cleanMirrors(f.mirrors);
      const mirrors = own.length ? own : cleanMirrors(get().importForm.mirrors);
      const args: ClassifyRequest = { source, outDir, ...(mirrors.length && { mirrors }) };
      set({ classifyUnfinished: null });
      const before = get().lastClassify;
      const result = await runTrackedJob(set, get, {
        idKey: 'classifyJobId',
        method: 'ml.classify',
        args,
        label: `Classify ${shownFileName(source)}`,
        context: 'Classify',
        form: classifyErrors,
        keep: (summary) => ({ lastClassify: summary }),
        success: (summary) => `Classified ${countOf(summary.images, 'image')} of ${bundleLabel(shownFileName(source), summary.bundle_id)}: ${summary.tagged_bad} tagged bad`,
        // Its images and its bundle are now in the library (Review's "From" filter, the bundle picker).
        after: () => get().libraryChanged(),
      });
      if (result === null && get().lastClassify === before) set({ classifyUnfinished: { source, outDir } });
      return result;
    },
  };
};
