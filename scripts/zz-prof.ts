import fs from 'node:fs';
import path from 'node:path';
import { decodeRgb } from '../src-main/core/ml/backbone/preprocess';
import { qualitySignals } from '../src-main/core/ml/features/signals';
const dir = '/work/shared/datasets/quality-dev/images';
const files = fs.readdirSync(dir).filter(f => /\.jpe?g$/i.test(f)).sort().slice(0, 200);
(async () => {
  const imgs = [];
  let px = 0;
  for (const f of files) { const b = fs.readFileSync(path.join(dir, f)); const img = await decodeRgb(b); px += img.width*img.height; imgs.push({ img, bytes: b.length }); }
  console.log('mean MP', (px / imgs.length / 1e6).toFixed(3));
  for (let rep = 0; rep < 3; rep++) {
    const t = process.cpuUsage();
    for (const { img, bytes } of imgs) qualitySignals(img, { bytes });
    const u = process.cpuUsage(t);
    console.log('signals CPU-ms/img', ((u.user + u.system) / 1000 / imgs.length).toFixed(2));
  }
})();
