/**
 * A seeded library on the real core, for tests of the renderer and of the core's agreement rules:
 * a real SQLite database made by the real migrations (createCore), filled with deterministic rows
 * the way an import and a training run leave them (images, URLs, EOL ratings rows with ancestry,
 * import labels, one finished run with predictions, held-out flags, label issues, and an
 * evaluation computed by the real `evaluateRun`). Only the pixels are missing: originals and
 * thumbnails are not written (jsdom loads no images), so a preview shows no quality signals.
 *
 * Fast enough for unit tests: 300 images in a few milliseconds, 100,000 in about a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Core } from '../src-main/core/app';
import { createCore, DEMO_URL_PREFIX } from '../src-main/core/app';
import { featureKey } from '../src-main/core/ml/embed';
import { evaluateRun } from '../src-main/core/ml/evaluate';
import { FeatureStore } from '../src-main/core/ml/featureStore';
import { SIGNAL_NAMES } from '../src-main/core/ml/features/signals';
import { findRunIssues, IssueStore } from '../src-main/core/ml/issues';
import { RunStore } from '../src-main/core/ml/runs';
import type { TrainedHead } from '../src-main/core/ml/train/head';
import { SPLIT_CODE } from '../src-main/core/ml/trainJob';
import { DEFAULT_TRAIN_PARAMS, type EpochStats, type RunSummary } from '../src-shared/domain/ml';
import { mulberry32 } from '../src-shared/domain/random';
import { roundConfidence } from '../src-shared/domain/tags';
import { DEV_DIR, DEV_IMAGES, tempDir } from './fixtures';

export const GENERA = ['Quercus', 'Danaus', 'Felis', 'Rosa', 'Apis', 'Canis', 'Passer', 'Amanita', 'Salmo', 'Pinus'];
export const SEED_URL_PREFIX = 'https://content.eol.org/data/media/seed/';

export interface SeedOptions {
  /** Images (default 300). */
  images?: number;
  seed?: number;
  /** Finished runs scoring every image (default true). */
  trained?: boolean;
  /** How many finished runs, each a little better than the one before; the last is active (default 2). */
  runs?: number;
  /** Override the run's recommended bad threshold (null: none proves the target). Default: what evaluateRun chose. */
  recommended?: number | null;
  /** Override the run's best provable bound (null: none). Default: what evaluateRun found. */
  bestBound?: number | null;
  /** The curator's threshold (default: none). */
  curator?: number | null;
  /**
   * Cache a `signals` feature vector (and a perceptual hash) for every image, separating the labels
   * a little, so `ml.train({ features: ['signals'] })` trains for real without any pixels (default true).
   */
  features?: boolean;
  /** The demo library `demo.load` imports (default: resources/demo); see miniDemo(). */
  demoDir?: string;
  /** Where ML work runs (default in-process; 'worker' for the backbone under jsdom, whose typed arrays ONNX Runtime refuses). */
  ml?: 'worker' | 'in-process';
  /** Data folder (default: a new temp folder). */
  dataDir?: string;
}

export interface SeedImage {
  id: number;
  sha256: string;
  p_bad: number | null;
  label: 'good' | 'bad' | null;
  rating_class: number;
  taxon: string;
  heldout: boolean;
}

export interface SeededLibrary {
  core: Core;
  dataDir: string;
  runId: number | null;
  images: SeedImage[];
  image(id: number): SeedImage | undefined;
  run(): RunSummary | null;
}

/** The seeded runs' parameters: a linear head on the quality signals. */
const RUN_PARAMS = { ...DEFAULT_TRAIN_PARAMS, features: ['signals' as const], hidden: 0 };

const EPOCHS: EpochStats[] = Array.from({ length: 5 }, (_, i) => ({
  epoch: i + 1,
  trainLoss: 0.6 - i * 0.08,
  trainAccuracy: 0.7 + i * 0.04,
  valLoss: 0.62 - i * 0.06,
  valAccuracy: 0.68 + i * 0.035,
  seconds: 0.01,
}));

/** Open a new library in `dataDir` (or a temp folder) and fill it. Close `core` when done. */
export function seedLibrary(opts: SeedOptions = {}): SeededLibrary {
  // The same options give the same library: build it once per test process, then copy its file.
  const { dataDir: wanted, ml, demoDir, ...shape } = opts;
  const key = JSON.stringify(shape);
  let template = templates.get(key);
  if (!template) {
    const built = buildLibrary({ ...shape, dataDir: tempDir('qc-seed-template-') });
    built.core.context.db.pragma('wal_checkpoint(TRUNCATE)');
    template = { file: built.core.context.paths.db, images: built.images, runId: built.runId };
    templates.set(key, template);
    void built.core.close();
  }
  const dataDir = wanted ?? tempDir('qc-seed-');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.copyFileSync(template.file, path.join(dataDir, path.basename(template.file)));
  const core = createCore({ dataDir, ml: ml ?? 'in-process', ...(demoDir && { demoDir }) });
  const images = template.images.map((im) => ({ ...im }));
  const byId = new Map(images.map((im) => [im.id, im]));
  const runs = new RunStore(core.context.db);
  const runId = template.runId;
  return { core, dataDir, runId, images, image: (id) => byId.get(id), run: () => (runId === null ? null : runs.summary(runId)) };
}

const templates = new Map<string, { file: string; images: SeedImage[]; runId: number | null }>();

function buildLibrary(opts: SeedOptions): SeededLibrary {
  const n = opts.images ?? 300;
  const rand = mulberry32(opts.seed ?? 1);
  const dataDir = opts.dataDir ?? tempDir('qc-seed-');
  const core = createCore({ dataDir, ml: opts.ml ?? 'in-process', ...(opts.demoDir && { demoDir: opts.demoDir }) });
  const { db } = core.context;
  const images: SeedImage[] = [];

  db.transaction(() => {
    const importId = Number(db.prepare("INSERT INTO imports (kind, source, status, finished_at) VALUES ('ratings', 'seed://ratings', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))").run().lastInsertRowid);
    const img = db.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path, rating, rating_class) VALUES (?, ?, 'jpeg', ?, ?, ?, ?, ?, ?, ?)");
    const url = db.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)');
    const src = db.prepare("INSERT INTO source_rows (origin, line, kind, url, eol_id, rating, ancestry, raw, import_id) VALUES ('seed://ratings', ?, 'ratings', ?, ?, ?, ?, ?, ?)");
    const lab = db.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, ?, 'import')");
    for (let i = 0; i < n; i++) {
      const u = rand();
      const cls = u < 0.15 ? 1 : u < 0.3 ? 2 : u < 0.45 ? 3 : u < 0.75 ? 4 : 5;
      const rating = Math.round(Math.min(5, Math.max(1, cls - 0.45 + 0.9 * rand())) * 1e4) / 1e4;
      const label = cls <= 2 ? 'bad' : cls >= 4 ? 'good' : null;
      const taxon = GENERA[i % GENERA.length]!;
      const sha = `5eed${i.toString(16).padStart(60, '0')}`;
      const w = 400 + Math.floor(rand() * 800);
      const h = 300 + Math.floor(rand() * 600);
      const id = Number(img.run(sha, `originals/${sha}.jpg`, w, h, 50_000 + Math.floor(rand() * 200_000), `thumbs/${sha}.webp`, `previews/${sha}.webp`, rating, cls).lastInsertRowid);
      const link = `${SEED_URL_PREFIX}${i + 1}.jpg`;
      url.run(link, id, importId);
      const eolId = String(9_100_000 + i);
      const ancestry = JSON.stringify({ kingdom: { name: 'Animalia' }, genus: { name: taxon } });
      src.run(i + 2, link, eolId, rating, ancestry, JSON.stringify({ obj_with_overall_rating: eolId, obj_url: link, overall_rating: rating.toFixed(4), ancestry }), importId);
      lab.run(id, label);
      images.push({ id, sha256: sha, p_bad: null, label, rating_class: cls, taxon, heldout: false });
    }
  })();

  if (opts.features ?? true) {
    const store = new FeatureStore(db);
    const key = featureKey('signals', DEFAULT_TRAIN_PARAMS.backbone);
    const hash = db.prepare('UPDATE images SET dhash = ? WHERE id = ?');
    db.transaction(() => {
      for (const im of images) {
        const v = new Float32Array(SIGNAL_NAMES.length);
        const shift = im.label === 'bad' ? 0.8 : im.label === 'good' ? -0.8 : 0;
        for (let j = 0; j < v.length; j++) v[j] = (j < 6 ? shift : 0) + (rand() - 0.5) * 2;
        store.put(im.sha256, key, v);
        hash.run(Array.from({ length: 16 }, () => Math.floor(rand() * 16).toString(16)).join(''), im.id);
      }
    })();
  }

  let runId: number | null = null;
  const runs = new RunStore(db);
  const runCount = (opts.trained ?? true) ? (opts.runs ?? 2) : 0;
  const split = new Uint8Array(n).fill(SPLIT_CODE.unlabelled);
  images.forEach((im, i) => {
    if (!im.label) return;
    const r = rand();
    split[i] = r < 0.2 ? SPLIT_CODE.test : r < 0.3 ? SPLIT_CODE.validation : SPLIT_CODE.train;
    im.heldout = true;
  });
  // The runs' model: a linear head on the signals (hand-set weights on the columns the seeded
  // signals separate), so scoring new pictures (classify) works for real.
  const d = SIGNAL_NAMES.length;
  const head: TrainedHead = {
    kind: 'linear',
    d,
    hidden: 0,
    mean: new Array<number>(d).fill(0),
    std: new Array<number>(d).fill(1),
    columnScale: null,
    layers: [{ w: Array.from({ length: d }, (_, j) => (j < 6 ? 1 : 0)), shape: [d, 1], b: [0] }],
    backend: 'js',
    params: { ...RUN_PARAMS },
    history: EPOCHS,
    seconds: 0.05,
  } as TrainedHead;
  for (let k = 1; k <= runCount; k++) {
    // Scores that mostly follow the label (later runs a little sharper), with a few confident mistakes (the label issues).
    const sharp = 1 - 0.1 * (runCount - k);
    const pAll = new Float32Array(n);
    const oof = new Float32Array(n).fill(NaN);
    const y = new Uint8Array(n).fill(255);
    images.forEach((im, i) => {
      const noise = rand();
      let p = im.label === 'bad' ? 1 - (0.45 * noise) / sharp : im.label === 'good' ? (0.45 * noise) / sharp : noise;
      p = Math.min(1, Math.max(0, p));
      if (i % 37 === 5 && im.label) p = im.label === 'good' ? 0.9 + 0.09 * noise : 0.1 * noise;
      else if (rand() < 0.08 * (runCount - k)) p = 1 - p; // earlier runs get more wrong

      pAll[i] = p;
      if (!im.label) return;
      y[i] = im.label === 'bad' ? 1 : 0;
      if (split[i] !== SPLIT_CODE.test) oof[i] = p;
    });
    const ev = evaluateRun({ head, pAll, oof, backend: 'seed' }, y, split, RUN_PARAMS);
    const bad = { ...ev.thresholds.bad };
    if (opts.recommended !== undefined) bad.threshold = opts.recommended;
    if (opts.bestBound !== undefined) bad.best_bound = opts.bestBound === null ? null : { ...(bad.best_bound ?? ({} as NonNullable<typeof bad.best_bound>)), threshold: opts.bestBound };
    runId = runs.create(RUN_PARAMS);
    const id = runId;
    new IssueStore(db).store(id, (row) => images[row]!.id, findRunIssues({ pAll, oof }, y, split).rows, () => null);
    runs.putPredictions(id, images.map((im, i) => ({ imageId: im.id, pBad: pAll[i]!, heldout: im.heldout })));
    images.forEach((im, i) => (im.p_bad = roundConfidence(pAll[i]!)));
    runs.finish(id, {
      provider: 'cpu',
      backend: 'seed',
      snapshot: { hash: 'seed', train: { good: 0, bad: 0 }, validation: { good: 0, bad: 0 }, test: { good: 0, bad: 0 }, groups: 0 },
      seconds: 0.05,
      metrics: ev.metrics,
      evaluation: { ...ev.report, thresholds: { bad, good: ev.thresholds.good } },
      head,
    });
  }
  if (opts.curator !== undefined && opts.curator !== null) runs.setCuratorThreshold(opts.curator);

  const byId = new Map(images.map((im) => [im.id, im]));
  return { core, dataDir, runId, images, image: (id) => byId.get(id), run: () => (runId === null ? null : runs.summary(runId)) };
}

/**
 * A demo library in the layout of resources/demo, made of `perClass` bad and `perClass` good dev
 * photos (truth.tsv's labels as ratings 1.5 and 4.5): what `demo.load` imports, embeds and trains
 * on, small enough for a UI test.
 */
export function miniDemo(perClass = 12): string {
  const dir = tempDir('qc-minidemo-');
  fs.mkdirSync(path.join(dir, 'images'));
  const [, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'truth.tsv'), 'utf8').trim().split('\n');
  const picked = { good: 0, bad: 0 };
  const rows = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
  for (const l of lines) {
    const [id = '', label = ''] = l.split('\t');
    if ((label !== 'good' && label !== 'bad') || picked[label] >= perClass) continue;
    picked[label]++;
    fs.copyFileSync(path.join(DEV_IMAGES, `${id}.jpg`), path.join(dir, 'images', `${id}.jpg`));
    rows.push(`${id}\t${DEMO_URL_PREFIX}${id}.jpg\t${label === 'bad' ? 1.5 : 4.5}\t{}`);
  }
  fs.writeFileSync(path.join(dir, 'image_ratings.txt'), `${rows.join('\n')}\n`);
  return dir;
}

/**
 * A seeded library with one finished run in a temp folder (`prefix`) for one test file, reopened
 * by a core of its own as the app opens a library made earlier: set before the file's tests,
 * closed and removed after them.
 */
export function useSeededRun(prefix: string, opts: Omit<SeedOptions, 'dataDir' | 'runs'> = { images: 20 }): { dir: string; core: Core; runId: number } {
  const s = { dir: '', core: undefined as unknown as Core, runId: 0 };
  beforeAll(async () => {
    s.dir = tempDir(prefix);
    const lib = seedLibrary({ ...opts, runs: 1, dataDir: path.join(s.dir, 'data') });
    s.runId = lib.runId!;
    await lib.core.close();
    s.core = createCore({ dataDir: lib.dataDir });
  });
  afterAll(async () => {
    await s.core?.close();
    if (s.dir) fs.rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}
