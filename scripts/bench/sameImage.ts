/**
 * One picture named by many URLs (an export that lists the same media under N URLs, or a hostile
 * list): imports a ratings file of N rows whose URLs all lead (through a mirror) to one photo, for
 * growing N, and prints the seconds and the ratio to the previous N. Time linear in N doubles
 * with it; quadratic time (each URL re-deriving the image from all its rows) quadruples.
 *
 *   npm run bench:same-image -- [--n 2000] [--steps 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../src-main/core/app';
import { intArg, listSourcePhotos } from './fixtures';

const PREFIX = 'https://media.example/qc/';

async function importSeconds(n: number): Promise<{ seconds: number; label: string; rating: number | null }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-same-image-'));
  try {
    const mirror = path.join(dir, 'mirror');
    fs.mkdirSync(mirror);
    fs.copyFileSync(listSourcePhotos()[0]!, path.join(mirror, 'a.jpg'));
    const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
    for (let i = 0; i < n; i++) lines.push(`${i}\t${PREFIX}a.jpg?v=${i}\t${i % 3 === 0 ? 5 : 1}\t{}`);
    fs.writeFileSync(path.join(dir, 'ratings.txt'), `${lines.join('\n')}\n`);
    const core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
    try {
      const t = performance.now();
      const s = await core.call('library.import', { source: path.join(dir, 'ratings.txt'), mirrors: [{ prefix: PREFIX, dir: mirror }] });
      const seconds = (performance.now() - t) / 1000;
      if (s.images_new !== 1 || s.failed !== 0) throw new Error(`expected 1 image and no failure, got ${JSON.stringify(s)}`);
      const d = await core.call('images.get', { imageId: 1 });
      return { seconds, label: String(d.label), rating: d.rating };
    } finally {
      await core.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const first = intArg(argv, '--n', 2000);
const steps = intArg(argv, '--steps', 3);
let prev: number | null = null;
for (let k = 0, n = first; k < steps; k++, n *= 2) {
  const r = await importSeconds(n);
  console.log(`${String(n).padStart(7)} URLs of one image: ${r.seconds.toFixed(2)} s${prev ? `  (×${(r.seconds / prev).toFixed(2)} for ×2 URLs)` : ''}  label ${r.label}, rating ${r.rating?.toFixed(3)}`);
  prev = r.seconds;
}
