/**
 * bench:ui's scale cases: what a curator's library holds and a generated one does not (images the
 * run has not scored, a classified bundle, a second import, a long label-issue list), timed
 * through `core.call` as the Review and Issues screens call them, right after a label change (the
 * caches a keystroke clears), at two library sizes, with the ratio between them: the first page the
 * first time the view is asked for (what it gathers once, such as a bundle's images, included), the
 * next page (median of pages 2–4), and the first page again (median of three) after another label change with the view open (a B/G keystroke
 * while on it: what must not grow with the library).
 *
 * Each size's generated library is copied once to `<library>-cases` and given, through the real
 * API: a bundle (a bare URL list of 2 % of its stored URLs), a ratings file re-naming 5 % of them,
 * and a folder of 24 new pictures (unscored); then, as the generator writes them, label issues
 * topped up to 5,000 and split groups of three versions for one image in ten.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createCore, defaultResourcesDir, type Core } from '../../src-main/core/app';
import { SYNTHETIC_URL_PREFIX } from '../../test-support/scaleLibrary';

export interface CasesLibrary {
  dataDir: string;
  bundleId: number;
  importId: number;
  unscored: number;
  issues: number;
}

const META = 'bench-cases.json';
const synthUrl = (i: number) => `${SYNTHETIC_URL_PREFIX}${String(i).padStart(8, '0')}.jpg`;

/** The cases copy of the generated library in `src` (made the first time). */
export async function casesLibrary(src: string, n: number): Promise<CasesLibrary> {
  const dataDir = `${src}-cases`;
  const meta = path.join(dataDir, META);
  if (fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as CasesLibrary;
  fs.rmSync(dataDir, { recursive: true, force: true });
  // Not the owner locks: they belong to the processes that opened the original.
  fs.cpSync(src, dataDir, { recursive: true, filter: (p) => path.basename(p) !== 'owners' });
  const work = path.join(dataDir, 'bench-inputs');
  fs.mkdirSync(work, { recursive: true });
  const synthetic = n - 112;
  const core = createCore({ dataDir, ml: 'in-process' });
  try {
    const bundleFile = path.join(work, 'bundle.txt');
    const bundleRows = Array.from({ length: Math.floor(synthetic / 50) }, (_, k) => synthUrl(112 + 50 * k + 7));
    fs.writeFileSync(bundleFile, ['eolMediaURL', ...bundleRows].join('\n') + '\n');
    const bundle = await core.call('library.import', { source: bundleFile, kind: 'bundle' });
    const ratingsFile = path.join(work, 'ratings.tsv');
    const rows = Array.from({ length: Math.floor(synthetic / 20) }, (_, k) => `${40_000_000 + k}\t${synthUrl(112 + 20 * k + 3)}\t${(1 + (k % 5)).toFixed(1)}\t{}`);
    fs.writeFileSync(ratingsFile, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows].join('\n') + '\n');
    const ratings = await core.call('library.import', { source: ratingsFile, kind: 'ratings' });
    const folder = path.join(work, 'new');
    fs.mkdirSync(folder, { recursive: true });
    const demo = path.join(defaultResourcesDir(), 'demo', 'images');
    for (const [k, f] of fs.readdirSync(demo).filter((x) => x.endsWith('.jpg')).slice(0, 24).entries()) {
      await sharp(path.join(demo, f)).modulate({ hue: 40 + 10 * k }).jpeg({ quality: 80 }).toFile(path.join(folder, `new${k}.jpg`));
    }
    await core.call('library.import', { source: folder, kind: 'folder' });
    const db = core.context.db;
    const runId = core.context.db.prepare("SELECT CAST(value AS INTEGER) AS v FROM settings WHERE key = 'active_run'").pluck().get() as number;
    db.transaction(() => {
      const have = db.prepare('SELECT COUNT(*) FROM label_issues WHERE run_id = ?').pluck().get(runId) as number;
      const more = db
        .prepare("SELECT l.image_id, l.label, p.p_bad FROM labels l JOIN predictions p ON p.run_id = ? AND p.image_id = l.image_id WHERE l.label IS NOT NULL AND NOT EXISTS (SELECT 1 FROM label_issues x WHERE x.run_id = ? AND x.image_id = l.image_id) ORDER BY l.image_id LIMIT ?")
        .all(runId, runId, Math.max(0, 5000 - have)) as { image_id: number; label: 'good' | 'bad'; p_bad: number }[];
      const put = db.prepare('INSERT INTO label_issues (run_id, image_id, rank, given, suggested, self_confidence) VALUES (?, ?, ?, ?, ?, ?)');
      more.forEach((r, k) => put.run(runId, r.image_id, have + k + 1, r.label, r.label === 'bad' ? 'good' : 'bad', r.label === 'bad' ? r.p_bad : 1 - r.p_bad));
      const split = db.prepare("INSERT OR IGNORE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'train', 0)");
      for (const id of db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]) split.run(id, (id - (id % 3)) % 30 === 0 ? id - (id % 3) : id);
    })();
    const unscored = db.prepare('SELECT COUNT(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id)').pluck().get(runId) as number;
    const issues = db.prepare('SELECT COUNT(*) FROM label_issues WHERE run_id = ?').pluck().get(runId) as number;
    const out: CasesLibrary = { dataDir, bundleId: bundle.bundle_id!, importId: ratings.import_id, unscored, issues };
    fs.writeFileSync(meta, JSON.stringify(out));
    return out;
  } finally {
    await core.close();
  }
}

export interface CaseTiming {
  what: string;
  /** First page (or call) right after a label change, the first time this view is asked for, and the next page; ms. */
  first: number;
  next: number | null;
  /** The first page again after another label change, the view already open (a B/G keystroke while on it); ms. */
  relabel: number | null;
  total: number;
}

/** Each case timed on an open core over a cases library. */
export async function timeCases(core: Core, lib: CasesLibrary): Promise<CaseTiming[]> {
  const someImage = core.context.db.prepare('SELECT id FROM images ORDER BY id LIMIT 1').pluck().get() as number;
  // A label change and its undo: what a B/G keystroke does to the caches (the data version moves).
  const keystroke = async () => {
    await core.call('labels.set', { imageIds: [someImage], label: 'bad' });
    await core.call('labels.undo', {});
  };
  const ms = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const cases: [string, Record<string, unknown>][] = [
    [`predicted all (${lib.unscored} unscored images)`, { predicted: 'all' }],
    ['label good (unscored present)', { label: 'good' }],
    ['from: the bundle', { bundleId: lib.bundleId }],
    ['from: the bundle, predicted bad', { bundleId: lib.bundleId, predicted: 'bad' }],
    ['from: a second import', { importId: lib.importId }],
    ['sort image id, predicted bad', { sort: 'id', predicted: 'bad' }],
    ['label bad, origin import', { label: 'bad', origin: 'import' }],
  ];
  const out: CaseTiming[] = [];
  for (const [what, q] of cases) {
    const args = { sort: 'confidence' as const, order: 'desc' as const, ...q, offset: 0, limit: 200 };
    await keystroke();
    let total = 0;
    const first = await ms(async () => (total = (await core.call('review.page', args)).total));
    // Medians of three (single pages of a few ms are at the mercy of a busy machine): pages 2–4, and three keystrokes.
    const nexts: number[] = [];
    for (const offset of [200, 400, 600]) nexts.push(await ms(() => core.call('review.page', { ...args, offset })));
    const relabels: number[] = [];
    for (let k = 0; k < 3; k++) {
      await keystroke();
      relabels.push(await ms(() => core.call('review.page', args)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const next = median(nexts);
    const relabel = median(relabels);
    out.push({ what, first, next, relabel, total });
  }
  await keystroke();
  let listed = 0;
  const issues = await ms(async () => (listed = (await core.call('ml.labelIssues', { limit: 5000 })).issues.length));
  out.push({ what: `Issues screen list (ml.labelIssues, limit 5,000; ${lib.issues.toLocaleString('en')} issues)`, first: issues, next: null, relabel: null, total: listed });
  return out;
}

/** The cases at each size, side by side, with the ratio of the largest to the smallest. */
export function casesTable(sizes: number[], results: CaseTiming[][]): string {
  const fmt = (t: CaseTiming) => `${t.first.toFixed(0)}${t.next === null ? '' : ` / ${t.next.toFixed(0)}`}${t.relabel === null ? '' : ` / ${t.relabel.toFixed(0)}`} ms`;
  const head = ['case (first after a label change / next page / first again after another label change)', ...sizes.map((n) => `${n.toLocaleString('en')} images`), `ratio (×${(sizes[sizes.length - 1]! / sizes[0]!).toFixed(0)} images; each column)`];
  const rows = results[0]!.map((c, k) => [
    c.what,
    ...results.map((r) => `${fmt(r[k]!)} (${r[k]!.total.toLocaleString('en')})`),
    [c.first, c.next, c.relabel]
      .map((_, j) => {
        const at = (r: CaseTiming[]) => [r[k]!.first, r[k]!.next, r[k]!.relabel][j];
        const hi = at(results[results.length - 1]!);
        const lo = at(results[0]!);
        return hi === null || hi === undefined || lo === null || lo === undefined ? null : `×${(hi / Math.max(0.5, lo)).toFixed(1)}`;
      })
      .filter((x) => x !== null)
      .join(' / '),
  ]);
  const w = head.map((_, i) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((x, i) => x.padEnd(w[i]!)).join('  ')).join('\n');
}
