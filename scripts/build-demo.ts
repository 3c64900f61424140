/**
 * Build the demo library (resources/demo/) from the shared dev dataset: whole source photos (every
 * crop of a photo, so the held-out split by source photo is honest), their clean crops and the
 * degradations a first model can learn from a few hundred images, a few mild ones left unrated
 * (class 3, unlabelled), and a few planted label mistakes (a rating that contradicts the picture),
 * recorded in truth.tsv's `planted` column. Deterministic: the same inputs give the same demo.
 *
 *   npx tsx scripts/build-demo.ts [--photos N] [--planted N] [--planted-bad-as-good N] [--dev DIR] [--out DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const DEV = path.resolve(opt('dev', path.join(ROOT, '../shared/datasets/quality-dev')));
const OUT = path.resolve(opt('out', path.join(ROOT, 'resources/demo')));
const PHOTOS = Number(opt('photos', '81'));
const PLANTED = Number(opt('planted', '6'));
/**
 * How many of them are bad pictures rated good (the rest: clean pictures rated bad). Default 0: a bad
 * picture labelled good sits at the very top of p(bad), where it counts as an error against every
 * threshold a first run could prove (measured: with 3 of 6 such, the demo's first run proved none);
 * clean pictures rated bad show Label issues just as well.
 */
const PLANTED_BAD_AS_GOOD = Number(opt('planted-bad-as-good', '0'));
/** Degradations a small first model learns reliably (motion blur and under-exposure need more data). */
const KINDS = new Set(opt('kinds', 'jpeg,noise,tiny,over,gblur,haze').split(','));
/** Clean crops per photo (of 3) and how many mild, unrated crops in all. */
const GOOD_PER_PHOTO = Number(opt('good-per-photo', '2'));
const UNRATED = Number(opt('unrated', '8'));

function readTsv(file: string, encoding: BufferEncoding = 'utf8'): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = fs.readFileSync(file, encoding).replace(/\r/g, '').trimEnd().split('\n');
  const header = head!.split('\t');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i]!, v]))) };
}

const truth = readTsv(path.join(DEV, 'truth.tsv'));
const ratings = new Map(readTsv(path.join(DEV, 'image_ratings.txt'), 'latin1').rows.map((r) => [r.obj_with_overall_rating!, r]));
const licences = readTsv(path.join(DEV, 'LICENSES.tsv'));

// Source photos in a fixed order; keep the ones with at least two usable bad crops.
const byPhoto = new Map<string, Record<string, string>[]>();
for (const r of truth.rows) byPhoto.set(r.source_file!, [...(byPhoto.get(r.source_file!) ?? []), r]);
const usable = (r: Record<string, string>) => r.label === 'good' || (r.label === 'bad' && KINDS.has(r.degradation!)) || r.label === 'ambiguous';
const photos = [...byPhoto.keys()].sort().filter((p) => byPhoto.get(p)!.filter((r) => r.label === 'bad' && KINDS.has(r.degradation!)).length >= 2);
const chosen = photos.filter((_, i) => i % Math.max(1, Math.floor(photos.length / PHOTOS)) === 0).slice(0, PHOTOS);
let unrated = 0;
const rows = chosen
  .flatMap((p) => {
    const all = byPhoto.get(p)!.filter(usable).sort((a, b) => Number(a.id) - Number(b.id));
    const good = all.filter((r) => r.label === 'good').slice(0, GOOD_PER_PHOTO);
    const mild = all.filter((r) => r.label === 'ambiguous').slice(0, unrated++ < UNRATED ? 1 : 0);
    return [...good, ...all.filter((r) => r.label === 'bad'), ...mild];
  })
  .sort((a, b) => Number(a.id) - Number(b.id));

// Planted mistakes: the strongest degradations rated as good, and clean crops rated as bad, one per photo.
const strength = (r: Record<string, string>) => {
  const p = JSON.parse(r.params || '{}') as Record<string, number>;
  switch (r.degradation) {
    case 'jpeg': return 100 - (p.quality ?? 50);
    case 'noise': return (p.sigma ?? 0) * 2;
    case 'tiny': return 90;
    default: return 0;
  }
};
const usedPhotos = new Set<string>();
const plantBad = rows.filter((r) => r.label === 'bad').sort((a, b) => strength(b) - strength(a) || Number(a.id) - Number(b.id));
const plantGood = rows.filter((r) => r.label === 'good').sort((a, b) => Number(b.width) * Number(b.height) - Number(a.width) * Number(a.height) || Number(a.id) - Number(b.id));
const planted = new Map<string, number>();
const take = (list: Record<string, string>[], n: number, rating: number) => {
  for (const r of list) {
    if (n <= 0) break;
    if (usedPhotos.has(r.source_file!)) continue;
    usedPhotos.add(r.source_file!);
    planted.set(r.id!, rating);
    n--;
  }
};
take(plantBad, Math.min(PLANTED, PLANTED_BAD_AS_GOOD), 4.6);
take(plantGood, PLANTED - Math.min(PLANTED, PLANTED_BAD_AS_GOOD), 1.4);

fs.rmSync(path.join(OUT, 'images'), { recursive: true, force: true });
fs.mkdirSync(path.join(OUT, 'images'), { recursive: true });
const ratingLines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
const truthLines = [[...truth.header, 'planted'].join('\t')];
for (const r of rows) {
  const rt = ratings.get(r.id!)!;
  const rating = planted.get(r.id!);
  ratingLines.push([r.id, rt.obj_url, rating !== undefined ? rating.toFixed(4) : rt.overall_rating, rt.ancestry ?? '{}'].join('\t'));
  truthLines.push([...truth.header.map((h) => r[h] ?? ''), rating !== undefined ? `rated ${rating} but ${r.label}` : ''].join('\t'));
  fs.copyFileSync(path.join(DEV, 'images', `${r.id}.jpg`), path.join(OUT, 'images', `${r.id}.jpg`));
}
fs.writeFileSync(path.join(OUT, 'image_ratings.txt'), ratingLines.join('\n') + '\n');
fs.writeFileSync(path.join(OUT, 'truth.tsv'), truthLines.join('\n') + '\n');
const sources = new Set(rows.map((r) => r.source_file));
fs.writeFileSync(path.join(OUT, 'LICENSES.tsv'), [licences.header.join('\t'), ...licences.rows.filter((l) => sources.has(l.source_file)).map((l) => licences.header.map((h) => l[h]).join('\t'))].join('\n') + '\n');
const count = (label: string) => rows.filter((r) => r.label === label).length;
console.log(`demo: ${rows.length} images from ${chosen.length} source photos (${count('good')} good, ${count('bad')} bad, ${count('ambiguous')} unrated); ${planted.size} planted label mistakes: ${[...planted.keys()].join(', ')}`);
