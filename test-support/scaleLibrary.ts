/**
 * A large synthetic library for scale benchmarks and tests: N images with one URL and one EOL
 * ratings row each (ancestry from a made-up but realistically shaped taxonomy), import labels,
 * one finished run scoring every image (held-out flags on part of the labelled ones), its
 * label issues and a recommended threshold. Thumbnails and originals are the demo library's real
 * files, reused (so the grid shows real pictures); the first 112 images are the demo's own.
 *
 * Fast: prepared statements, rows inserted in key order, one transaction per 50,000 images
 * (so progress shows and the WAL stays small). 1,000,000 images take about a minute or two.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCore, DEMO_URL_PREFIX, defaultResourcesDir } from '../src-main/core/app';
import { openDatabase } from '../src-main/core/db/open';
import { libraryPaths } from '../src-main/core/paths';
import { setSetting } from '../src-main/core/db/settings';
import { DEFAULT_TRAIN_PARAMS } from '../src-main/core/ml/trainService';
import { mulberry32 } from '../src-shared/domain/random';

export interface ScaleLibraryOptions {
  /** Total images, the demo's 112 included (≥ 112). */
  n: number;
  seed?: number;
  /** Share of labelled images whose prediction is held-out (default 0.2). */
  heldoutShare?: number;
  /** Share of images listed as label issues (default 0.01). */
  issueShare?: number;
  /** Recommended bad threshold stored in the run's evaluation (default 0.62). */
  recommended?: number;
  log?: (line: string) => void;
}

export interface ScaleLibrary {
  dataDir: string;
  images: number;
  runId: number;
  seconds: number;
}

export const SYNTHETIC_URL_PREFIX = 'https://content.eol.org/data/media/synthetic/';
const BATCH = 50_000;

const KINGDOMS = ['Animalia', 'Plantae', 'Fungi', 'Chromista', 'Bacteria'];
const PHYLA = ['Chordata', 'Arthropoda', 'Mollusca', 'Tracheophyta', 'Bryophyta', 'Basidiomycota', 'Ascomycota', 'Ochrophyta', 'Cnidaria', 'Echinodermata'];
const CLASSES = ['Aves', 'Mammalia', 'Insecta', 'Magnoliopsida', 'Liliopsida', 'Reptilia', 'Amphibia', 'Actinopterygii', 'Arachnida', 'Gastropoda', 'Agaricomycetes', 'Bivalvia'];

/** Ancestry JSON of taxon `g` (one of 20,000 genera), as EOL's ratings export spells it. */
export function syntheticAncestry(g: number): string {
  const k = KINGDOMS[g % KINGDOMS.length]!;
  const p = PHYLA[(g >> 2) % PHYLA.length]!;
  const c = CLASSES[(g >> 4) % CLASSES.length]!;
  return JSON.stringify({
    kingdom: { name: k },
    phylum: { name: p },
    class: { name: c },
    order: { name: `Order${(g >> 6) % 300}` },
    family: { name: `Family${(g >> 3) % 2500}` },
    genus: { name: `Genus${g}` },
  });
}

/**
 * The run's stored head: a placeholder with no columns (there are no features). Every image of a
 * generated library is already scored, so nothing ever runs it; scoring a new image with it fails
 * with a clear column-count error rather than inventing a score.
 */
const SYNTHETIC_HEAD = { kind: 'linear', d: 0, hidden: 0, mean: [], std: [], columnScale: null, layers: [], backend: 'synthetic' };

/** A run evaluation with the fields readers expect; only the recommended bad threshold carries a value. */
function syntheticEvaluation(recommended: number) {
  const threshold = (t: number | null) => ({ threshold: t, target_error: 0.05, chosen_on: null, on_test: null, best_bound: null, note: 'synthetic run (gen:library)' });
  const histogram = () => ({ edges: [0, 1], truePred: [0], falsePred: [0] });
  return {
    thresholds: { bad: threshold(recommended), good: threshold(null) },
    histograms: { bad: histogram(), good: histogram() },
    curves: { bad: { oof: [], test: [] }, good: { oof: [], test: [] } },
    epochs: [],
  };
}

/** Make the library in `dataDir` (which must not hold one yet). */
export async function generateScaleLibrary(dataDir: string, opts: ScaleLibraryOptions): Promise<ScaleLibrary> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const rand = mulberry32(opts.seed ?? 7);
  const heldoutShare = opts.heldoutShare ?? 0.2;
  const issueShare = opts.issueShare ?? 0.01;

  // The demo library, imported for real: its stored originals and thumbnails are reused.
  const core = createCore({ dataDir, ml: 'in-process' });
  try {
    if ((core.context.db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n > 0) throw new Error(`${dataDir} already holds a library`);
    const demo = path.join(defaultResourcesDir(), 'demo');
    await core.call('library.import', { source: path.join(demo, 'image_ratings.txt'), mirrors: [{ prefix: DEMO_URL_PREFIX, dir: path.join(demo, 'images') }] });
  } finally {
    await core.close();
  }
  log('demo library imported');

  const db = openDatabase(libraryPaths(dataDir).db);
  try {
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144'); // 256 MB
    const real = db.prepare('SELECT id, path, thumb_path, preview_path, width, height, bytes FROM images ORDER BY id').all() as {
      id: number;
      path: string;
      thumb_path: string;
      preview_path: string;
      width: number;
      height: number;
      bytes: number;
    }[];
    if (opts.n < real.length) throw new Error(`--n must be at least ${real.length} (the demo library's images)`);
    const importId = Number(db.prepare("INSERT INTO imports (kind, source, status) VALUES ('ratings', 'synthetic://scale', 'running')").run().lastInsertRowid);
    const run = Number(
      db
        .prepare("INSERT INTO runs (status, params, backbone, provider, backend, seconds, evaluation, model, finished_at) VALUES ('done', ?, ?, 'cpu', 'synthetic', 1, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
        .run(JSON.stringify(DEFAULT_TRAIN_PARAMS), DEFAULT_TRAIN_PARAMS.backbone, JSON.stringify(syntheticEvaluation(opts.recommended ?? 0.62)), JSON.stringify(SYNTHETIC_HEAD)).lastInsertRowid,
    );

    const img = db.prepare('INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path, rating, rating_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const url = db.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)');
    const src = db.prepare("INSERT INTO source_rows (origin, line, kind, url, eol_id, rating, ancestry, raw, import_id) VALUES ('synthetic://scale', ?, 'ratings', ?, ?, ?, ?, ?, ?)");
    const lab = db.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, ?, 'import') ON CONFLICT (image_id) DO UPDATE SET label = excluded.label");
    const pred = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, ?)');
    const issue = db.prepare("INSERT INTO label_issues (run_id, image_id, rank, given, suggested, self_confidence) VALUES (?, ?, ?, ?, ?, ?)");
    const issues: { id: number; conf: number; given: string }[] = [];

    /** Labels, prediction and maybe an issue for one image. */
    const score = (id: number, label: 'good' | 'bad' | null) => {
      // Scores rounded to 4 decimals, so many images tie (as a real model's rounded outputs do).
      const base = label === 'bad' ? 0.7 : label === 'good' ? 0.3 : 0.5;
      const p = Math.round(Math.min(1, Math.max(0, base + (rand() - 0.5) * 0.8)) * 1e4) / 1e4;
      pred.run(run, id, p, label && rand() < heldoutShare ? 1 : 0);
      if (label && rand() < issueShare) issues.push({ id, conf: label === 'bad' ? 1 - p : p, given: label });
    };
    const pickLabel = (): 'good' | 'bad' | null => {
      const r = rand();
      return r < 0.3 ? 'bad' : r < 0.6 ? 'good' : null;
    };

    db.transaction(() => {
      for (const r of real) {
        const l = db.prepare('SELECT label FROM labels WHERE image_id = ?').get(r.id) as { label: 'good' | 'bad' | null } | undefined;
        score(r.id, l?.label ?? null);
      }
    })();

    const total = opts.n;
    for (let start = real.length; start < total; start += BATCH) {
      const end = Math.min(total, start + BATCH);
      db.transaction(() => {
        for (let i = start; i < end; i++) {
          const r = real[i % real.length]!;
          const rating = Math.round((1 + 4 * rand()) * 1e4) / 1e4;
          const cls = Math.min(5, Math.max(1, Math.round(rating)));
          const id = Number(img.run(`5c${i.toString(16).padStart(62, '0')}`, r.path, 'jpeg', r.width, r.height, r.bytes, r.thumb_path, r.preview_path, rating, cls).lastInsertRowid);
          const u = `${SYNTHETIC_URL_PREFIX}${String(i).padStart(8, '0')}.jpg`;
          url.run(u, id, importId);
          const eolId = String(20_000_000 + i);
          const ancestry = syntheticAncestry(Math.floor(rand() * 20_000));
          src.run(i, u, eolId, rating, ancestry, JSON.stringify({ obj_with_overall_rating: eolId, obj_url: u, overall_rating: String(rating), ancestry }), importId);
          const label = pickLabel();
          lab.run(id, label);
          score(id, label);
        }
      })();
      log(`${end.toLocaleString('en')} / ${total.toLocaleString('en')} images`);
    }

    // Label issues ranked by self-confidence (least confident in its given label first).
    issues.sort((a, b) => a.conf - b.conf || a.id - b.id);
    db.transaction(() => {
      issues.forEach((x, k) => issue.run(run, x.id, k + 1, x.given, x.given === 'bad' ? 'good' : 'bad', x.conf));
    })();
    const synthetic = opts.n - real.length;
    const summary = { import_id: importId, kind: 'ratings', source: 'synthetic://scale', encoding: 'utf-8', rows: synthetic, urls: synthetic, images_new: synthetic, images_existing: 0, failed: 0, failures_by_reason: {}, row_problems: 0, labels: {}, bundle_id: null };
    db.prepare("UPDATE imports SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), summary = ? WHERE id = ?").run(JSON.stringify(summary), importId);
    setSetting(db, 'active_run', run);
    // No ANALYZE: the app never gathers planner statistics, so its libraries have none, and the
    // plans tested and benchmarked here must be the ones a curator's library gets. (With them, the
    // sampled sqlite_stat4 rows depend on the order the demo's images were imported in, and once
    // made the planner sort a page of true negatives in a temporary B-tree: page.test.)
    db.pragma('wal_checkpoint(TRUNCATE)');
    const images = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    return { dataDir, images, runId: run, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
  }
}

/** Whether `dir` exists and is empty (or does not exist). */
export function isFreshDir(dir: string): boolean {
  return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;
}
