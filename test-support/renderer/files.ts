/** Files for renderer tests that drive real imports and exports (the tests themselves stay free of Node imports). */
import fs from 'node:fs';
import path from 'node:path';
import { defaultResourcesDir } from '../../src-main/core/app';
import { DEV_URL_PREFIX, devRatings, tempDir } from '../fixtures';

export { DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../fixtures';

/** The bundled demo's ratings file (resources/demo). */
export const DEMO_RATINGS = path.join(defaultResourcesDir(), 'demo', 'image_ratings.txt');

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
