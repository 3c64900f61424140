/**
 * `npm run bench:scale -- --n 1000000 [--data DIR] [--keep]`: the library at scale, without a
 * browser. On a generated library of N images (`gen:library`; reused when --data names one)
 * it times, in this process over the real core opened as `qc serve` opens it (the database file
 * warming in the background): opening the library, the slider's data
 * (`review.scores`), the gallery's first page for each filter a curator changes (predicted bad,
 * false positives, taxon substrings), a deep page, the next page by keyset; and, as the `qc`
 * command line in a child process (wall time and peak RSS): `qc status`, `qc issues`,
 * `qc export` of every row. Prints a table with the targets beside the numbers, and the load
 * the machine was under (other work shares its cores).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../src-main/core/app';
import type { ReviewQuery } from '../../src-shared/domain/library';
import { mb, repoRoot, sampleRss, scaleLibraryFromArgs, warmRead } from './fixtures';

interface Row {
  what: string;
  value: string;
  target: string;
  met: boolean | null;
}

const rows: Row[] = [];
const add = (what: string, value: string, target = '', met: boolean | null = null) => {
  rows.push({ what, value, target, met });
  process.stderr.write(`  ${what}: ${value}${met === null ? '' : met ? ' (met)' : ' (MISSED)'}\n`);
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** Cold (first) and warm (median of `reps` more) times of fn. */
async function coldWarm<T>(fn: () => Promise<T> | T, reps = 3): Promise<{ cold: number; warm: number; value: T }> {
  const first = await timed(fn);
  const warm: number[] = [];
  for (let i = 0; i < reps; i++) warm.push((await timed(fn)).ms);
  return { cold: first.ms, warm: median(warm), value: first.value };
}

/** The `qc` launcher (`npm run qc` without npm's own start): the prebuilt bundle, rebuilt when stale. */
const QC = path.join(repoRoot, 'scripts', 'qc.mjs');

/** `qc …` in a child process: wall ms and peak RSS (from /usr/bin/time where present). */
function qc(dataDir: string, args: string[]): { ms: number; rssMb: number | null; stdout: string } {
  const useTime = fs.existsSync('/usr/bin/time');
  const cmd = useTime ? '/usr/bin/time' : process.execPath;
  const full = useTime ? ['-f', 'QC_MAXRSS_KB=%M', process.execPath, QC, '--data', dataDir, '--json', ...args] : [QC, '--data', dataDir, '--json', ...args];
  const t = performance.now();
  const r = spawnSync(cmd, full, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`qc ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /QC_MAXRSS_KB=(\d+)/.exec(r.stderr);
  return { ms, rssMb: m ? Number(m[1]) / 1024 : null, stdout: r.stdout };
}

/** Wall time of `qc --help` (what every `qc` command pays before it opens the library): the launcher, and tsx from source. */
function startMs(env: Record<string, string> = {}): number {
  const t = performance.now();
  spawnSync(process.execPath, [QC, '--help'], { encoding: 'utf8', env: { ...process.env, ...env } });
  return performance.now() - t;
}

async function main(argv: string[]): Promise<void> {
  const { dataDir, given, generatedSeconds } = await scaleLibraryFromArgs(argv, 1_000_000);
  const load0 = os.loadavg()[0]!;
  if (generatedSeconds !== null) add('generate the library (gen:library)', `${generatedSeconds.toFixed(1)} s`, 'minutes, not hours', generatedSeconds < 600);
  const rss = sampleRss(20);

  // Opening: migrations check, the core, and the first status.
  const open = await timed(async () => {
    // As the server opens it: the database file warms in the background (core/db/warm.ts).
    const core = createCore({ dataDir, warm: true });
    await core.call('library.status', {});
    return core;
  });
  const core = open.value;
  const images = (await core.call('library.status', {})).images;
  add('open the library (core + first status)', `${open.ms.toFixed(0)} ms`, '');
  try {
    const status = await coldWarm(() => core.call('library.status', {}));
    add('library.status in-process', `${status.cold.toFixed(0)} / ${status.warm.toFixed(0)} ms`, '≤ 1000 ms', status.cold <= 1000);

    // A library whose sketch an earlier process counted keeps it (migration 027): the first call reads it back.
    const stored = core.context.db.prepare('SELECT COUNT(*) FROM sketch_cache').pluck().get() as number;
    const scores = await coldWarm(() => core.call('review.scores', {}), 2);
    const bytes = JSON.stringify(scores.value).length;
    add(`review.scores (slider data; sketch ${stored ? 'stored by an earlier process' : 'counted: none stored yet'})`, `${scores.cold.toFixed(0)} / ${scores.warm.toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} KB JSON`, 'part of first paint ≤ 1500 ms', scores.cold + 0 <= 750);

    const threshold = 0.62;
    const page = (q: Partial<ReviewQuery> & { offset?: number }) =>
      core.call('review.page', { sort: 'confidence', order: 'desc', threshold, offset: 0, limit: 200, ...q } as ReviewQuery & { offset: number; limit: number });
    const filters: [string, Partial<ReviewQuery>][] = [
      ['first page: predicted bad (the default view)', { predicted: 'bad' }],
      ['filter: all images', {}],
      ['filter: false positives', { outcome: 'fp' }],
      ['filter: predicted bad + taxon "Aves" (common)', { predicted: 'bad', taxon: 'Aves' }],
      ['filter: taxon "Genus1234" (rare)', { taxon: 'Genus1234' }],
      ['filter: label good, origin curator', { label: 'good', origin: 'curator' }],
      ['sort: label-issue rank', { sort: 'issue-rank', order: 'asc' }],
      ['issues view (issues only)', { issuesOnly: true, sort: 'issue-rank', order: 'asc' }],
    ];
    for (const [what, q] of filters) {
      const r = await coldWarm(() => page(q), 2);
      add(`${what} (${r.value.total.toLocaleString('en')} match)`, `${r.cold.toFixed(0)} / ${r.warm.toFixed(0)} ms`, '≤ 300 ms', r.cold <= 300);
    }
    const deep = await coldWarm(() => page({ predicted: 'bad', offset: Math.floor(images * 0.25) }), 2);
    add(`deep page (offset ${Math.floor(images * 0.25).toLocaleString('en')}, predicted bad)`, `${deep.cold.toFixed(0)} / ${deep.warm.toFixed(0)} ms`, '≤ 300 ms', deep.cold <= 300);
    const last = await coldWarm(() => page({ offset: images - 200 }), 2);
    add('last page (all images)', `${last.cold.toFixed(0)} / ${last.warm.toFixed(0)} ms`, '≤ 300 ms', last.cold <= 300);

    const issues = await coldWarm(() => core.call('ml.labelIssues', { limit: 100 }), 2);
    add('ml.labelIssues (100) in-process', `${issues.cold.toFixed(0)} / ${issues.warm.toFixed(0)} ms`, '');
  } finally {
    await core.close();
  }
  const warm = await core.warmed;
  add('database file read into the page cache in the background', warmRead(warm), '');
  const serverPeak = rss.stop();
  add('peak RSS of this process (core as the server has it)', `${mb(serverPeak).toFixed(0)} MB`, '≤ 1536 MB', mb(serverPeak) <= 1536);

  startMs(); // builds the bundle if a source changed since
  add('qc --help, prebuilt bundle (start paid by every command)', `${startMs().toFixed(0)} ms`, '');
  add('qc --help, from source through tsx (QC_FROM_SOURCE=1)', `${startMs({ QC_FROM_SOURCE: '1' }).toFixed(0)} ms`, '');
  const st = qc(dataDir, ['status']);
  add('qc status (CLI wall)', `${st.ms.toFixed(0)} ms, ${st.rssMb?.toFixed(0) ?? '?'} MB`, '≤ 1000 ms', st.ms <= 1000);
  const is = qc(dataDir, ['issues', '--limit', '50']);
  add('qc issues --limit 50 (CLI wall)', `${is.ms.toFixed(0)} ms, ${is.rssMb?.toFixed(0) ?? '?'} MB`, '');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-scale-export-'));
  try {
    const ex = qc(dataDir, ['export', '--out', outDir]);
    const summary = JSON.parse(ex.stdout) as { rows: number; files: string[] };
    const size = summary.files.reduce((s, f) => s + fs.statSync(f).size, 0);
    add(`qc export (${summary.rows.toLocaleString('en')} rows, ${mb(size).toFixed(0)} MB)`, `${(ex.ms / 1000).toFixed(1)} s, ${ex.rssMb?.toFixed(0) ?? '?'} MB`, '≤ 30 s, RSS ≤ 1536 MB', ex.ms <= 30_000 && (ex.rssMb ?? 0) <= 1536);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }

  const w = Math.max(...rows.map((r) => r.what.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  console.log(`\nbench:scale on ${images.toLocaleString('en')} images (${dataDir}); times are cold / warm (median)`);
  for (const r of rows) console.log(`${r.what.padEnd(w)}  ${r.value.padEnd(v)}  ${r.target ? `target ${r.target}` : ''}${r.met === null ? '' : r.met ? '  MET' : '  MISSED'}`);
  console.log(`(${os.cpus().length} cores, load average ${load0.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end: other work shares the machine)`);
  if (!given && argv.includes('--clean')) fs.rmSync(dataDir, { recursive: true, force: true });
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
