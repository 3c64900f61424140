/**
 * Train graphs as files (the seed's `train_graphs/`): a run's loss and accuracy per epoch, train
 * vs validation, the same series the Train screen draws, as standalone SVG and PNG (sharp renders
 * the SVG). Hand-written because it is ~100 lines of string building: a charting library would
 * need a DOM or a canvas in Node for two line charts.
 */
import path from 'node:path';
import { sharp } from '../deferred';
import type { EpochStats } from '../../../src-shared/domain/ml';
import { assessFit, type FitAssessment } from '../../../src-shared/domain/runQuality';
import { QcError } from '../../../src-shared/contract/errors';
import { makeDir, writeFileAtomic } from '../fsSafe';
import { putFile } from '../library/store';
import type { LibraryPaths } from '../paths';
import { GRAPH_MARKER, isOurGraph, withPngText } from './ours';
import { ExportStage, refuseNotOwned, type OwnedFiles } from './stage';

export interface GraphSeries {
  label: string;
  values: (number | null | undefined)[];
  color: string;
  dashed?: boolean;
}

export interface GraphOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  percent?: boolean;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number) => Number(x.toFixed(2));

/** "Nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Greedy word wrap to lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Integer epoch ticks, at most ~10 of them. */
function epochTicks(x: number[]): number[] {
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / 10));
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(e);
  return out;
}

export function renderCurvesSvg(x: number[], series: GraphSeries[], opts: GraphOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 380;
  const sub = opts.subtitle ? wrap(opts.subtitle, Math.floor((W - 80) / 6.8)) : [];
  const m = { l: 60, r: 20, t: 40 + sub.length * 16, b: 64 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const ys = series.flatMap((s) => s.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  let lo = opts.percent ? Math.min(0.5, ...ys) : Math.min(0, ...ys);
  let hi = opts.percent ? 1 : Math.max(...ys, 1e-6);
  if (opts.percent) lo = Math.floor(lo * 10) / 10;
  if (!(hi > lo)) hi = lo + 1;
  const xLo = x.length ? Math.min(...x) : 0;
  const xHi = x.length ? Math.max(...x) : 1;
  const sx = (v: number) => m.l + (xHi > xLo ? ((v - xLo) / (xHi - xLo)) * pw : pw / 2);
  const sy = (v: number) => m.t + ph - ((v - lo) / (hi - lo)) * ph;
  const fmt = (v: number) => (opts.percent ? `${Math.round(v * 100)}%` : String(Number(v.toPrecision(3))));

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`);
  // What an export tells its own graph by (ours.ts isOurGraph): a file of the user's at a graph's name is never replaced.
  parts.push(`<desc>${GRAPH_MARKER}</desc>`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.l}" y="22" font-size="15" font-weight="bold" fill="#111">${esc(opts.title)}</text>`);
  sub.forEach((line, i) => parts.push(`<text x="${m.l}" y="${40 + i * 16}" fill="#444">${esc(line)}</text>`));
  for (const t of niceTicks(lo, hi)) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${m.l - 6}" y="${num(sy(t) + 4)}" text-anchor="end" fill="#333">${fmt(t)}</text>`);
  }
  for (const e of x.length ? epochTicks(x) : []) {
    parts.push(`<line x1="${num(sx(e))}" x2="${num(sx(e))}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    parts.push(`<text x="${num(sx(e))}" y="${m.t + ph + 18}" text-anchor="middle" fill="#333">${e}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 36}" text-anchor="middle" fill="#333">epoch</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = x.map((e, j) => [e, s.values[j]] as const).filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
    if (pts.length) {
      const d = pts.map(([e, v], j) => `${j ? 'L' : 'M'}${num(sx(e))},${num(sy(v))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      for (const [e, v] of pts) parts.push(`<circle cx="${num(sx(e))}" cy="${num(sy(v))}" r="2.5" fill="${s.color}"/>`);
    }
    const lx = m.l + i * 170;
    const ly = H - 12;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" fill="#222">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface RunGraphs {
  files: string[];
  fit: FitAssessment;
}

/** The run's charts, rendered: `run-<id>-<name>.svg` (and `.png` unless `png` is false) with their bytes. */
async function renderRunGraphs(runId: number, epochs: readonly EpochStats[], png: boolean): Promise<{ charts: { name: string; data: string | Buffer }[]; fit: FitAssessment }> {
  const fit = assessFit(epochs);
  const x = epochs.map((e) => e.epoch);
  const subtitle = `run ${runId} · ${fit.verdict}: ${fit.reason}`;
  const charts = [
    {
      name: 'loss',
      svg: renderCurvesSvg(x, [
        { label: 'training loss', values: epochs.map((e) => e.trainLoss), color: '#1f6feb' },
        { label: 'validation loss', values: epochs.map((e) => e.valLoss), color: '#d9480f', dashed: true },
      ], { title: `Run ${runId}: loss per epoch`, subtitle, yLabel: 'log loss' }),
    },
    {
      name: 'accuracy',
      svg: renderCurvesSvg(x, [
        { label: 'training accuracy', values: epochs.map((e) => e.trainAccuracy), color: '#1f6feb' },
        { label: 'validation accuracy', values: epochs.map((e) => e.valAccuracy), color: '#d9480f', dashed: true },
      ], { title: `Run ${runId}: accuracy per epoch`, subtitle, yLabel: 'accuracy', percent: true }),
    },
  ];
  const out: { name: string; data: string | Buffer }[] = [];
  for (const c of charts) {
    out.push({ name: `run-${runId}-${c.name}.svg`, data: c.svg });
    if (png) out.push({ name: `run-${runId}-${c.name}.png`, data: withPngText(await sharp(Buffer.from(c.svg), { density: 144 }).png().toBuffer(), 'Software', GRAPH_MARKER) });
  }
  return { charts: out, fit };
}

/**
 * The loss and accuracy graphs of one run, as `run-<id>-loss.svg|png` and `run-<id>-accuracy.svg|png`
 * in `dir`. `base`: a folder above `dir` below which no link is followed (makeDir).
 */
export async function writeRunGraphs(runId: number, epochs: readonly EpochStats[], dir: string, opts: { png?: boolean; base?: string; signal?: AbortSignal } = {}): Promise<RunGraphs> {
  const { charts, fit } = await renderRunGraphs(runId, epochs, opts.png !== false);
  // Cancelled while rendering: nothing written, not even the folder.
  if (opts.signal?.aborted) throw new QcError('cancelled', 'cancelled');
  makeDir(dir, opts.base === undefined ? {} : { base: opts.base });
  const files: string[] = [];
  for (const c of charts) {
    const file = path.join(dir, c.name);
    // Rendered to memory, then written like every export file (toFile would follow a link planted at a PNG's name).
    writeFileAtomic(file, c.data);
    files.push(file);
  }
  return { files, fit };
}

/** The files a graph export may replace or remove: train graphs this app drew (ours.ts isOurGraph). */
export const GRAPH_FILES: OwnedFiles = {
  test: isOurGraph,
  what: 'a train graph Quality Curator drew (its SVG or PNG does not say so)',
};

/** The names of run `runId`'s graph files (`png`: with the PNGs), as writeRunGraphs writes them. */
export function runGraphNames(runId: number, png = true): string[] {
  return ['loss', 'accuracy'].flatMap((name) => (png ? ['svg', 'png'] : ['svg']).map((ext) => `run-${runId}-${name}.${ext}`));
}

/**
 * `qc run ID --graphs DIR` (export.graphs): the run's graphs published into `outDir` together
 * (stage.ts), replacing the same run's graphs an earlier export wrote there. A file of the user's
 * at one of their names (not a graph this app drew: {@link GRAPH_FILES}) is refused, naming it,
 * before anything is written, and the folder is left as it was. The graphs are rendered before the
 * output folder is made: a cancel while rendering leaves nothing, not even the folder.
 */
export async function exportRunGraphs(runId: number, epochs: readonly EpochStats[], outDir: string, opts: { owners?: string | null; signal?: AbortSignal } = {}): Promise<RunGraphs> {
  const { charts, fit } = await renderRunGraphs(runId, epochs, true);
  if (opts.signal?.aborted) throw new QcError('cancelled', 'cancelled');
  const names = charts.map((c) => c.name);
  const stage = ExportStage.open(outDir, { owners: opts.owners ?? null });
  try {
    refuseNotOwned(stage.outDir, names, GRAPH_FILES);
    for (const c of charts) writeFileAtomic(stage.path(c.name), c.data);
    stage.publish({ files: names, owns: GRAPH_FILES });
  } catch (e) {
    stage.discard();
    // A failure names the file where it goes, not the hidden stage it was written in.
    throw stage.told(e);
  }
  return { files: names.map((n) => path.join(stage.outDir, n)), fit };
}

/** Where a run's graphs live in the library. */
export function libraryGraphsDir(root: string, runId: number): string {
  return path.join(root, 'runs', String(runId), 'train_graphs');
}

/** The files a run's graphs are in the library (SVG and PNG). */
export function libraryGraphFiles(root: string, runId: number): string[] {
  return ['loss', 'accuracy'].flatMap((name) => ['svg', 'png'].map((ext) => path.join(libraryGraphsDir(root, runId), `run-${runId}-${name}.${ext}`)));
}

/**
 * A run's graphs in the library (`runs/ID/train_graphs/`), written before the run is marked finished
 * (trainService) so that no finished run lacks them. Each file is written under tmp/ and renamed
 * into place like every library file (store.ts putFile): a kill leaves no partial file, and what it
 * leaves in tmp/ is swept at the next open. Returns the files.
 */
export async function writeLibraryGraphs(paths: Pick<LibraryPaths, 'root' | 'tmp'>, runId: number, epochs: readonly EpochStats[]): Promise<string[]> {
  if (!epochs.length) return [];
  const { charts } = await renderRunGraphs(runId, epochs, true);
  const dir = libraryGraphsDir(paths.root, runId);
  for (const c of charts) await putFile(paths, path.relative(paths.root, path.join(dir, c.name)), Buffer.from(c.data), { replace: true });
  return charts.map((c) => path.join(dir, c.name));
}
