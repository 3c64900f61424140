/**
 * The CLI's human output never prints a control character of a name it did not choose (audit 2,
 * bug 10): a newline in a file name would forge a second failure line in `qc failures`, a tab
 * would shift its columns and ESC would repaint the terminal. Such names are shown quoted with the
 * characters escaped; plain names are printed as they are. One real folder import end to end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../core/app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../test-support/fixtures';
import { importSummary } from '../../test-support/importSummary';
import type { FailureRow, LibraryStatus } from '../../src-shared/domain/library';
import { formatFailures, formatImport, formatSources, formatStatus, shown } from './format';

const failure = (over: Partial<FailureRow>): FailureRow => ({ id: 1, url: null, file: null, line: null, reason: 'truncated', detail: 'corrupt', attempts: 1, updated_at: '', ...over });

describe('shown', () => {
  it('leaves a printable name as it is, accents, spaces, quotes and backslashes included', () => {
    for (const s of ['/data/photos/café 1.jpg', 'C:\\Users\\me\\a.jpg', 'say "hi".jpg', 'https://a.org/x.jpg']) expect(shown(s)).toBe(s);
  });
  it('quotes a name holding a control or line-breaking character, escaped visibly', () => {
    expect(shown('evil\nnot_image          fake.jpg')).toBe('"evil\\nnot_image          fake.jpg"');
    expect(shown('a\tb\rc\x1b[31md\x7f\x85\u2028\u202ee\\')).toBe('"a\\tb\\rc\\u001b[31md\\u007f\\u0085\\u2028\\u202ee\\\\"');
  });
});

describe('formatFailures, formatSources, formatImport', () => {
  it('print one line for a failure whose file, URL or detail holds a newline, naming it escaped', () => {
    const out = formatFailures({
      total: 2,
      failures: [
        failure({ file: '/work/nl/evil\nnot_image          fake.jpg', url: 'file:///work/nl/evil%0Anot_image', detail: 'Input buffer\nhas corrupt header' }),
        failure({ file: '/work/r.txt', line: 5, reason: 'bad_rating', detail: 'overall_rating "abc" is not a number in 1..5' }),
      ],
    });
    expect(out.split('\n')).toEqual([
      'truncated          "/work/nl/evil\\nnot_image          fake.jpg" file:///work/nl/evil%0Anot_image  "Input buffer\\nhas corrupt header"',
      'bad_rating         /work/r.txt:5  overall_rating "abc" is not a number in 1..5',
    ]);
  });

  it('print one line per import and bundle whose source or name holds control characters', () => {
    const out = formatSources({
      imports: [{ id: 1, kind: 'folder', status: 'done', images: 3, source: '/p/a\nb', finished_at: null }],
      bundles: [{ id: 2, rows: 3, name: 'x\x1b[2Jy', origin: '/p/a\nb' }],
    });
    expect(out.split('\n')).toEqual(['Imports:', '     1  folder    done            3 images  "/p/a\\nb"', 'Bundles:', '     2        3 rows  "x\\u001b[2Jy"  ("/p/a\\nb")']);
  });
});

describe('qc failures after a real folder import', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows a truncated picture named with a newline and a tab, in a folder named with one, on one line', async () => {
    const folder = path.join(dir, 'batch\n2');
    fs.mkdirSync(folder);
    const photo = fs.readFileSync(path.join(DEV_IMAGES, path.basename(devRatings()[0]![1])));
    const name = 'evil\nnot_image\t         fake.jpg';
    fs.writeFileSync(path.join(folder, name), photo.subarray(0, 400));
    fs.writeFileSync(path.join(folder, 'good.jpg'), photo);
    const summary = await core.call('library.import', { source: folder });
    // A folder has no text encoding: the line names none (a file's line says which one it was read in).
    expect(formatImport(summary).split('\n')[0]).toBe(`Imported folder from ${JSON.stringify(folder)}`);
    const failures = await core.call('library.failures', { limit: 50 });
    expect(failures.total).toBe(1);
    const out = formatFailures(failures);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toContain(`${JSON.stringify(path.join(folder, name))}`);
    expect(formatSources(await core.call('library.sources', {})).split('\n')).toHaveLength(4);
    expect(formatFailures(failures)).not.toContain('\t');
  });

  it('names the files that failed apart from the folder’s entries it did not import, each by reason', async () => {
    const folder = path.join(dir, 'mixed');
    fs.mkdirSync(folder);
    const photo = path.join(DEV_IMAGES, path.basename(devRatings()[1]![1]));
    fs.writeFileSync(path.join(folder, 'cut.jpg'), fs.readFileSync(photo).subarray(0, 400));
    fs.copyFileSync(photo, path.join(folder, 'fine.jpg'));
    fs.symlinkSync(path.join(DEV_IMAGES, path.basename(devRatings()[2]![1])), path.join(folder, 'out.jpg')); // leads out of the folder
    const lines = formatImport(await core.call('library.import', { source: folder })).split('\n');
    const at = (heading: string) => lines.indexOf(heading);
    expect(at('  failed files by reason:')).toBeGreaterThan(0);
    expect(lines[at('  failed files by reason:') + 1]).toMatch(/^\s+1 {2}(truncated|not_image)\b/);
    expect(at('  entries of the folder not imported, by reason:')).toBeGreaterThan(at('  failed files by reason:'));
    expect(lines[at('  entries of the folder not imported, by reason:') + 1]).toMatch(/^\s+1 {2}local_refused\b/);
    expect(lines.filter((l) => /truncated|not_image|local_refused/.test(l))).toHaveLength(2);
    expect(lines).toContain('  (qc failures lists them; qc import --retry-failed tries the failed files again)');
    expect(lines.some((l) => l.includes('not tried again'))).toBe(false);
    // Imported again: the cut file is skipped as failed before, and the summary says so.
    const again = formatImport(await core.call('library.import', { source: folder })).split('\n');
    expect(again).toContain('  1 file of the failed had failed in an earlier import and was not tried again (--retry-failed tries it)');
  });
});

describe('qc import says what it did not count twice, and what it left unlabelled for disagreeing', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
  const write = (name: string, rows: [string, string, number][]) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, `obj_with_overall_rating\tobj_url\toverall_rating\n${rows.map((r) => r.join('\t')).join('\n')}\n`);
    return f;
  };

  it('a copy of a ratings file under another name, and a URL rated 1 and 5', async () => {
    const [a, b, c] = devRatings().slice(0, 3).map(([id, url, rating]): [string, string, number] => [id, url, rating]) as [[string, string, number], [string, string, number], [string, string, number]];
    const rows: [string, string, number][] = [a, [b[0], b[1], 1], [b[0], b[1], 5], c];
    const first = formatImport(await core.call('library.import', { source: write('ratings.txt', rows), mirrors })).split('\n');
    expect(first[0]).toMatch(/^Imported ratings from .*ratings\.txt \(utf-8\)$/);
    expect(first).toContain('  1 image rated both bad and good: left unlabelled');
    expect(first.join('\n')).not.toContain('not counted twice');
    const copy = formatImport(await core.call('library.import', { source: write('ratings copy.txt', rows), mirrors })).split('\n');
    expect(copy).toContain('  4 rows already in the library from an earlier import: not counted twice');
  });

  it('a bundle row kept without its ancestry is not called a row that could not be read', async () => {
    const [a, b] = devRatings().slice(0, 2);
    const f = path.join(dir, 'anc.tsv');
    fs.writeFileSync(f, `eolMediaURL\tidentifier\tancestry\n${a![1]}\ta\t=1+1\n${b![1]}\tb\t{}\nnot a url\tc\t{}\n`);
    const s = await core.call('library.import', { source: f, kind: 'bundle', mirrors });
    expect([s.row_problems, s.rows_kept_with_problems]).toEqual([1, 1]);
    const text = formatImport(s).split('\n');
    expect(text).toContain('  rows that could not be read, or were kept with a problem (1 row kept without its ancestry), by reason:');
    expect(text.some((l) => l.includes('rows that could not be read, by reason'))).toBe(false);
  });
});

describe('formatStatus', () => {
  const status: LibraryStatus = {
    data_dir: '/lib',
    schema_version: 23,
    images: 10,
    labels: { good: 4, bad: 3, unlabeled: 3 },
    labels_by_origin: { import: 7, curator: 0 },
    ratings: { '1': 1, '2': 2, '3': 3, '4': 2, '5': 2 },
    failed: 0,
    failures_by_reason: {},
    imports: 1,
    bundles: 0,
    url_predictions: { run_id: 4, urls: 0, other_runs: [] },
  };
  it('says how many URLs merged into another run qc export of the active run leaves out, and how to get them', () => {
    expect(formatStatus(status)).not.toMatch(/merged/);
    const text = formatStatus({ ...status, url_predictions: { run_id: 4, urls: 7, other_runs: [{ run_id: 2, urls: 120 }, { run_id: 3, urls: 1 }] } });
    expect(text).toContain('\n  run 4: 7 predictions merged from tag files for URLs whose image was not here (qc export writes them after the images)\n');
    expect(text).toContain("\n  120 URLs merged into run 2 are not in qc export's files of run 4 (they belong to run 2: qc export --run 2, or import the tag files again)\n");
    expect(text.endsWith("\n  1 URL merged into run 3 is not in qc export's files of run 4 (they belong to run 3: qc export --run 3, or import the tag files again)")).toBe(true);
    expect(formatStatus({ ...status, url_predictions: { run_id: 4, urls: 1, other_runs: [] } })).toContain('\n  run 4: 1 prediction merged from tag files');
  });
  it('says which tag-file merges stopped part way, and what to do', () => {
    expect(formatStatus(status)).not.toMatch(/part way/);
    const text = formatStatus({
      ...status,
      unfinished_tag_merges: [
        { run_id: 4, files: 1, first_file: '/out/b_a.tsv', started_at: '2026-12-07T20:41:07.123Z' },
        { run_id: 2, files: 30, first_file: '/out/evil\nname_a.tsv', started_at: '2026-12-07T21:00:00.000Z' },
      ],
    });
    expect(text).toContain('\n  a merge of /out/b_a.tsv into run 4, started 2026-12-07 20:41 UTC, stopped part way: only part of its predictions are merged; import it again to complete it\n');
    // A name from outside is shown escaped, on one line.
    expect(text.endsWith('\n  a merge of 30 tag files (the first: "/out/evil\\nname_a.tsv") into run 2, started 2026-12-07 21:00 UTC, stopped part way: only part of its predictions are merged; import them again to complete it')).toBe(true);
  });
});

describe('formatImport counts in words', () => {
  it('says how many rows of an earlier import of the file were removed, one or more', () => {
    expect(formatImport(importSummary({ rows: 3, urls: 3 }))).not.toMatch(/removed/);
    expect(formatImport(importSummary({ rows: 3, urls: 3, rows_removed: 1 })).split('\n')[1]).toBe('  rows 3, distinct URLs 3; 1 row of an earlier import of this file that it no longer has was removed');
    expect(formatImport(importSummary({ rows: 3, urls: 3, rows_removed: 2 })).split('\n')[1]).toMatch(/; 2 rows of an earlier import of this file that it no longer has were removed$/);
  });

  it('says how many rows of an earlier import were kept because their lines cannot be read now', () => {
    expect(formatImport(importSummary({ rows: 3, urls: 3, row_problems: 1, rows_kept_unreadable: 1 })).split('\n')[1]).toBe(
      '  rows 3, distinct URLs 3; 1 row of an earlier import was kept: its line is still in the file but cannot be read now (fix or remove it and import again)',
    );
    expect(formatImport(importSummary({ rows: 3, urls: 3, row_problems: 2, rows_kept_unreadable: 2, rows_removed: 1 })).split('\n')[1]).toMatch(/was removed; 2 rows of an earlier import were kept: their lines are still/);
  });
});

describe('qc import --retry-failed with nothing to retry', () => {
  it('says so plainly, not as an import of 0 rows from "(failed URLs)"', async () => {
    const dir = tempDir('qc-format-retry-');
    const core = createCore({ dataDir: dir });
    try {
      const r = await core.call('library.retryFailed', {});
      expect(r).toMatchObject({ import_id: 0, kind: 'retry' });
      expect(formatImport(r)).toBe('No failed URLs to retry: nothing was downloaded.');
      // A retry that tried something keeps the import's summary.
      expect(formatImport({ ...r, import_id: 3, urls: 2, failed: 2 })).toMatch(/^Imported retry from /);
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
