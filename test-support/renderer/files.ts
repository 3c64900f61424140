/** Files for renderer tests that drive real imports and exports (the tests themselves stay free of Node imports). */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { defaultResourcesDir, DEMO_FEATURE_PACK } from '../../src-main/core/app';
import { decodeFeaturePack, encodeFeaturePack } from '../../src-main/core/ml/featurePack';
import { DEV_URL_PREFIX, devRatings, tempDir } from '../fixtures';

export { DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../fixtures';

const DEMO_DIR = path.join(defaultResourcesDir(), 'demo');
/** The bundled demo's ratings file (resources/demo). */
export const DEMO_RATINGS = path.join(DEMO_DIR, 'image_ratings.txt');

/**
 * A small demo library cut from the bundled one: `perClass` photos rated bad (< 2.5) and as many
 * rated good (≥ 3.5), with their part of its feature pack, so `demo.load` trains in seconds with
 * nothing to embed. Returns its folder (for `setup({ demoDir })`).
 */
export function packedMiniDemo(perClass = 12): string {
  const dir = tempDir('qc-packeddemo-');
  fs.mkdirSync(path.join(dir, 'images'));
  const [header = '', ...lines] = fs.readFileSync(DEMO_RATINGS, 'latin1').trimEnd().split('\n');
  const taken = { bad: 0, good: 0 };
  const rows = lines.filter((l) => {
    const rating = Number(l.split('\t')[2]);
    const cls = rating < 2.5 ? 'bad' : rating >= 3.5 ? 'good' : null;
    if (!cls || taken[cls] >= perClass) return false;
    taken[cls]++;
    return true;
  });
  const shas = new Set<string>();
  for (const l of rows) {
    const name = path.basename(l.split('\t')[1]!);
    const bytes = fs.readFileSync(path.join(DEMO_DIR, 'images', name));
    fs.writeFileSync(path.join(dir, 'images', name), bytes);
    shas.add(createHash('sha256').update(bytes).digest('hex'));
  }
  fs.writeFileSync(path.join(dir, 'image_ratings.txt'), `${[header, ...rows].join('\n')}\n`, 'latin1');
  const pack = decodeFeaturePack(fs.readFileSync(path.join(DEMO_DIR, DEMO_FEATURE_PACK)));
  const keep = pack.images.flatMap((im, i) => (shas.has(im.sha256) ? [i] : []));
  const vectors = pack.keys.map((k, j) => {
    const out = new Float32Array(keep.length * k.dim);
    keep.forEach((i, r) => out.set(pack.vectors[j]!.subarray(i * k.dim, (i + 1) * k.dim), r * k.dim));
    return out;
  });
  fs.writeFileSync(path.join(dir, DEMO_FEATURE_PACK), encodeFeaturePack({ keys: pack.keys, images: keep.map((i) => pack.images[i]!), vectors }));
  return dir;
}

/** A ratings file of `n` dev photos (found through a mirror of DEV_URL_PREFIX) and `missing` URLs whose file is not there. */
export function ratingsFile(n: number, missing: number): string {
  const rows = devRatings().slice(0, n);
  const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map(([id, url, rating, anc]) => `${id}\t${url}\t${rating}\t${anc}`)];
  for (let i = 0; i < missing; i++) lines.push(`${8_800_000 + i}\t${DEV_URL_PREFIX}not-there-${i}.jpg\t4\t{}`);
  const file = path.join(tempDir(), 'image_ratings.txt');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A bundle (`eolMediaURL` column) of the first `n` dev photos' URLs, named `name`. */
export function bundleFile(n: number, name = 'b.tsv'): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, `eolMediaURL\n${devRatings().slice(0, n).map((r) => r[1]).join('\n')}\n`);
  return file;
}

export const joinPath = (...parts: string[]): string => path.join(...parts);

/** A TSV file's rows as objects by header. */
export function readTsv(file: string): Record<string, string>[] {
  const [header = '', ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

/** Names in a folder, sorted. */
export const listDir = (dir: string): string[] => fs.readdirSync(dir).sort();

export const fileExists = (file: string): boolean => fs.existsSync(file);

export const readJson = <T = unknown>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** A tag file (`eolMediaURL`, `imclass`, `confidence`) calling each URL bad with confidence `confidence`. */
export function tagFile(urls: string[], confidence: number): string {
  const file = path.join(tempDir(), 'b_a.tsv');
  fs.writeFileSync(file, ['eolMediaURL\timclass\tconfidence', ...urls.map((u) => `${u}\tbad\t${confidence}`)].join('\n') + '\n');
  return file;
}
