/**
 * `npm run bench:ml`: (a) embedding throughput end to end (read file → decode → resize → backbone
 * → store) on N generated ~580-px photos, whole-image only and with crops + signals, with peak RSS;
 * (b) head training time (scripts/bench/train.ts); (c) threshold queries (scripts/bench/threshold.ts).
 * Prints numbers; no assertions. Options: --n 2000, --skip-train, --skip-threshold, --keep.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../src-main/core/app';
import { forkGenerate, intArg, mb, repoRoot, sampleRss } from './fixtures';

async function embedBench(n: number, keep: boolean): Promise<void> {
  const set = await forkGenerate(n);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-ml-'));
  const core = createCore({ dataDir });
  try {
    const imported = await core.call('library.import', { source: set.dir, kind: 'folder' });
    if (imported.images_new !== n) throw new Error(`imported ${imported.images_new} of ${n} images`);
    for (const features of [['whole'], ['crops', 'signals']] as const) {
      const rss = sampleRss();
      const cpu0 = process.cpuUsage();
      const s = await core.call('ml.embed', { features: [...features] });
      const peak = rss.stop();
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `embed  ${features.join('+').padEnd(14)} ${s.embedded} images  ${s.seconds.toFixed(1)} s  ${s.images_per_second} images/s  peak RSS ${mb(peak).toFixed(0)} MB  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s  (${s.provider}, ${os.cpus().length} cores)` +
          (features[0] === 'whole' ? `  target ≥ 100 images/s: ${s.images_per_second >= 100 ? 'MET' : 'MISSED'}` : ''),
      );
    }
  } finally {
    await core.close();
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function runScript(file: string, args: string[] = []): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'bench', file), ...args], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) console.log(`(${file} exited with ${r.status})`);
}

async function main(argv: string[]): Promise<void> {
  const n = intArg(argv, 'n', 2000);
  console.log(`(a) embedding ${n} images`);
  await embedBench(n, argv.includes('--keep'));
  if (!argv.includes('--skip-train')) {
    console.log('\n(b) training on 35,000 cached 1280-d embeddings, 20 epochs');
    runScript('train.ts');
  }
  if (!argv.includes('--skip-threshold')) {
    console.log('\n(c) threshold queries over 1,000,000 predictions');
    runScript('threshold.ts');
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
