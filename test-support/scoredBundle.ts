/**
 * A library holding six dev photos imported as a bundle, with a finished run that scores them
 * (p(bad) 0.1, 0.3, 0.6, 0.8, 0.95, 0.45): enough for tag-file tests of a bundle's columns, names
 * and escapes without training.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core } from '../src-main/core/app';
import { exportBundle } from '../src-main/core/export/tags';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from './fixtures';

export const DEV_MIRRORS = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

export interface ScoredBundleLibrary {
  dir: string;
  core: Core;
  run: number;
  /** The six photos' URLs, in the order scored. */
  urls: string[];
  /** Write a bundle file at `dir/in/<rel>` (columns eolMediaURL, identifier `<rel>-<i>`); its path. */
  writeBundle(rel: string, urls: string[]): string;
  /** Import a bundle file (dev photos through the mirror); its bundle id. */
  importBundle(file: string): Promise<number>;
  /** Export a bundle's tag files with the run at threshold 0.7 into `out` (relative to `dir`, or absolute). */
  exportTo(bundleId: number, out: string, chunkRows?: number): ReturnType<typeof exportBundle>;
  close(): Promise<void>;
}

export async function scoredBundleLibrary(): Promise<ScoredBundleLibrary> {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  const urls = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 7).map((l) => l.split('\t')[1]!);
  const seed = path.join(dir, 'seed.txt');
  fs.writeFileSync(seed, ['eolMediaURL', ...urls].join('\n') + '\n');
  await core.call('library.import', { source: seed, kind: 'bundle', mirrors: DEV_MIRRORS });
  const { db } = core.context;
  const run = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
  const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0)');
  ids.forEach((id, i) => put.run(run, id, [0.1, 0.3, 0.6, 0.8, 0.95, 0.45][i % 6]!));
  return {
    dir,
    core,
    run,
    urls,
    writeBundle: (rel, rows) => {
      const f = path.join(dir, 'in', rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, ['eolMediaURL\tidentifier', ...rows.map((u, i) => `${u}\t${rel}-${i}`)].join('\n') + '\n');
      return f;
    },
    importBundle: async (file) => (await core.call('library.import', { source: file, kind: 'bundle', mirrors: DEV_MIRRORS })).bundle_id!,
    exportTo: (bundleId, out, chunkRows) =>
      exportBundle(core.context.db, { bundleId, runId: run, threshold: 0.7, outDir: path.resolve(dir, out), ...(chunkRows === undefined ? {} : { chunkRows }) }),
    async close() {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A scored bundle library for one describe block: opened in its beforeAll, closed and removed in its
 * afterAll. The returned object forwards to it (and throws if used before the beforeAll ran).
 */
export function useScoredBundleLibrary(): ScoredBundleLibrary {
  let lib: ScoredBundleLibrary | undefined;
  beforeAll(async () => {
    lib = await scoredBundleLibrary();
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
  });
  return new Proxy({} as ScoredBundleLibrary, {
    get(_target, key) {
      if (!lib) throw new Error('the scored bundle library opens in beforeAll: use it inside a test');
      return lib[key as keyof ScoredBundleLibrary];
    },
  });
}

/** A tag file's header and rows (cells split on tabs, as written). */
export function readTsv(file: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const header = head!.split('\t');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i]!, v]))) };
}
