/**
 * Write the demo's feature pack (src-main/core/ml/featurePack.ts): import resources/demo into a
 * scratch library, embed every photo with the default feature sets (fresh: the old pack is not
 * read), and pack the vectors. Run it after changing the demo or any feature extractor; demo.test.ts
 * fails while the shipped pack differs from what the code computes.
 *
 *   npx tsx scripts/build-demo-features.ts [--demo DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, defaultResourcesDir, DEMO_FEATURE_PACK, DEMO_URL_PREFIX } from '../src-main/core/app';
import { featureKey } from '../src-main/core/ml/embed';
import { collectFeaturePack, encodeFeaturePack } from '../src-main/core/ml/featurePack';
import { DEFAULT_TRAIN_PARAMS } from '../src-shared/domain/ml';

const i = process.argv.indexOf('--demo');
const demoDir = path.resolve(i >= 0 ? process.argv[i + 1]! : path.join(defaultResourcesDir(), 'demo'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-demo-pack-'));
const core = createCore({ dataDir: scratch });
try {
  await core.call('library.import', { source: path.join(demoDir, 'image_ratings.txt'), mirrors: [{ prefix: DEMO_URL_PREFIX, dir: path.join(demoDir, 'images') }] });
  const { features, backbone } = DEFAULT_TRAIN_PARAMS;
  const e = await core.call('ml.embed', { features, backbone });
  if (e.failed) throw new Error(`${e.failed} demo photos could not be embedded`);
  const shas = core.context.db.prepare('SELECT sha256 FROM images ORDER BY sha256').pluck().all() as string[];
  const pack = collectFeaturePack(core.context.db, shas, features.map((s) => featureKey(s, backbone)));
  const out = path.join(demoDir, DEMO_FEATURE_PACK);
  fs.writeFileSync(out, encodeFeaturePack(pack));
  console.log(`${out}: ${shas.length} photos × ${pack.keys.map((k) => `${k.extractor}@${k.version} (${k.dim})`).join(', ')}; ${(fs.statSync(out).size / 1e6).toFixed(1)} MB`);
} finally {
  await core.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
