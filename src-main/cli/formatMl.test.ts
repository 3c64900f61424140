/** `qc issues`' text: the issues within confident learning's estimate, then those beyond it under their own heading. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, sharedTestAucWords, type ClassifySummary, type EmbedSummary, type LabelIssue, type RecommendedThreshold, type RunSummary } from '../../src-shared/domain/ml';
import { formatClassify, formatDemo, formatEmbed, formatExport, formatIssues, formatRun, formatRuns, formatSetThreshold, formatUse } from './formatMl';

const issue = (rank: number, beyond: boolean): LabelIssue => ({
  rank,
  image_id: 100 + rank,
  given: 'good',
  suggested: 'bad',
  self_confidence: 0.1 * rank,
  p_bad: 1 - 0.1 * rank,
  url: null,
  rating: 4,
  rating_count: 1,
  beyond_estimate: beyond,
});

describe('formatIssues', () => {
  it('lists the estimate first, then the issues beyond it under a heading that counts them', () => {
    const text = formatIssues({ run_id: 3, total: 2, reviewed: 0, beyond: 5, ranking: 'self-confidence', issues: [issue(1, false), issue(2, false), issue(3, true)] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Run 3: 2 images whose label is probably wrong/);
    expect(lines[1]).toContain('image 101:');
    expect(lines[2]).toContain('image 102:');
    expect(lines[3]).toMatch(/beyond the estimate of wrong labels \(5 open\)/);
    expect(lines[4]).toContain('image 103:');
    // Said once, by the heading, not again on each line under it.
    expect(text.match(/beyond the estimate/g)).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^Fix with: qc label/);
  });

  it('has no heading when nothing lies beyond the estimate', () => {
    const text = formatIssues({ run_id: 1, total: 1, beyond: 0, issues: [issue(1, false)] });
    expect(text).not.toMatch(/beyond/);
    expect(text).toMatch(/^Run 1: 1 image whose label is probably wrong, most suspicious first/);
    expect(formatIssues({ run_id: 1, total: 1, beyond: 0, issues: [] })).toBe('Run 1: 1 image whose label is probably wrong; none listed (--limit 0).');
    expect(formatIssues({ run_id: 1, total: 0, beyond: 0, issues: [] })).toBe('Run 1: no open label issues.');
  });

  it('marks the closed issues --all lists (confirmed, dismissed, relabelled) and counts them as reviewed or relabelled', () => {
    const closed = { run_id: 2, total: 1, reviewed: 4, beyond: 0 };
    const issues: LabelIssue[] = [
      { ...issue(1, false), label_now: 'good', verdict: null },
      { ...issue(2, false), label_now: 'good', verdict: 'confirmed' },
      { ...issue(3, false), label_now: 'good', verdict: 'dismissed' },
      { ...issue(4, false), label_now: 'bad', verdict: null },
      { ...issue(5, false), label_now: null, verdict: null },
    ];
    const lines = formatIssues({ ...closed, issues }).split('\n');
    expect(lines[0]).toMatch(/^Run 2: 1 image whose label is probably wrong, most suspicious first \(and 4 reviewed or relabelled since: marked\):$/);
    expect(lines[1]).toMatch(/^ {5}1\. image 101: labelled good/);
    expect(lines[2]).toMatch(/^ {5}2\. image 102 \[confirmed\]: labelled good/);
    expect(lines[3]).toMatch(/^ {5}3\. image 103 \[dismissed\]: labelled good/);
    expect(lines[4]).toMatch(/^ {5}4\. image 104 \[relabelled → bad\]: labelled good/);
    expect(lines[5]).toMatch(/^ {5}5\. image 105 \[relabelled → unlabelled\]: labelled good/);
    // Without --all only the open ones are listed: the closed ones are counted, relabelled ones too.
    const open = formatIssues({ ...closed, issues: issues.slice(0, 1) });
    expect(open.split('\n')[0]).toMatch(/\(4 more reviewed or relabelled: --all\):$/);
    expect(open).not.toMatch(/\[/);
    expect(formatIssues({ ...closed, total: 0, issues: [] })).toBe('Run 2: no open label issues (4 more reviewed or relabelled: --all).');
  });

  it('counts the open issues when none are listed (--limit 0)', () => {
    const text = formatIssues({ run_id: 1, total: 68, reviewed: 1, beyond: 33, issues: [] });
    expect(text).not.toMatch(/no open label issues/);
    expect(text).toMatch(/^Run 1: 68 images whose label is probably wrong, and 33 open beyond the estimate/);
    expect(text).toMatch(/none listed \(--limit 0\)\.$/);
  });
});

describe('formatClassify', () => {
  const summary: ClassifySummary = {
    files: ['/out/b_a.tsv', '/out/b_finaltags.tsv'],
    rows: 4,
    tagged_bad: 1,
    by_source: { curator: 0, model: 3, none: 1 },
    in_force: { threshold: 0.9, source: 'recommended' },
    run_id: 1,
    bundle_id: 2,
    images: 3,
    failed: 1,
    row_problems: 0,
    scored: 2,
    predicted: 2,
  };
  it('writes the threshold as qc threshold and the app do (0.900, and a slider position with the digits that flag the same images)', () => {
    expect(formatClassify(summary)).toMatch(/ 1 tagged bad at threshold 0\.900 \(recommended\); run 1$/m);
    expect(formatClassify({ ...summary, in_force: { threshold: 0.9686274509803922, source: 'curator' } })).toContain('tagged bad at threshold 0.9686275 (curator)');
  });
  it('says the failed URLs apart from the images stored, and how many images have a p(bad)', () => {
    const first = formatClassify({ ...summary, images: 3, failed: 1, predicted: 2, scored: 1 }).split('\n')[0];
    expect(first).toBe('Bundle 2: 3 images stored, 1 URL could not be fetched; 2 with a p(bad) (1 newly scored)');
    expect(formatClassify({ ...summary, images: 1, failed: 0, predicted: 1, scored: 1 }).split('\n')[0]).toBe('Bundle 2: 1 image stored, 0 URLs could not be fetched; 1 with a p(bad) (1 newly scored)');
  });
  it('says how many rows could not be read and have no tag row, so the row count is explained', () => {
    expect(formatClassify(summary)).not.toMatch(/could not be read/);
    expect(formatClassify({ ...summary, row_problems: 2 })).toMatch(/^ {2}2 rows could not be read .* no tag row: qc failures lists them$/m);
    expect(formatClassify({ ...summary, row_problems: 1 })).toMatch(/^ {2}1 row could not be read /m);
  });
  it('counts the files and rows it wrote in words', () => {
    expect(formatClassify(summary)).toMatch(/^Wrote 2 files, 4 rows; /m);
    expect(formatClassify({ ...summary, files: ['/out/b_finaltags.tsv'], rows: 1 })).toMatch(/^Wrote 1 file, 1 row; /m);
  });
  it('says, per run, how many URLs merged into another run the export leaves out, and how to get them', () => {
    expect(formatExport(summary)).not.toMatch(/merged into run/);
    const text = formatExport({ ...summary, merged_other_runs: [{ run_id: 3, urls: 120 }, { run_id: 5, urls: 1 }] });
    expect(text).toContain('\n  120 URLs merged into run 3 are not in this export (they belong to run 3: --run 3, or import the tag files again)\n');
    expect(text).toContain('\n  1 URL merged into run 5 is not in this export (they belong to run 5: --run 5, or import the tag files again)\n');
    expect(formatClassify({ ...summary, merged_other_runs: [{ run_id: 3, urls: 2 }] })).toContain('2 URLs merged into run 3 are not in this export');
  });
  it('says when only part of a tag-file merge into the run is in the export, and what to do', () => {
    expect(formatExport(summary)).not.toMatch(/part way/);
    const text = formatExport({ ...summary, unfinished_tag_merges: [{ run_id: 3, files: 2, first_file: '/in/b_a.tsv', started_at: '2026-12-07T20:41:07.123Z' }] });
    expect(text).toContain(
      "\n  Only part of this run's merged predictions are in this export: a merge of 2 tag files (the first: /in/b_a.tsv) into run 3, started 2026-12-07 20:41 UTC, stopped part way: only part of its predictions are merged; import them again to complete it, then export again\n",
    );
  });
});


/** A finished run whose thresholds lie within 0.001 of 1, as a trained head's do. */
function nearOneRun(bad: number, estimate: number): RunSummary {
  const t = (threshold: number | null): RecommendedThreshold => ({ threshold, target_error: 0.05, chosen_on: null, on_test: null, best_bound: null, note: 'no threshold proves the target error', estimate: null });
  const est = { threshold: estimate, error: 0.03, errorInterval: [0.01, 0.06], coverage: 0.5, flagged: 120, on_test: { coverage: 0.5, error: 0.04 } } as unknown as RecommendedThreshold['estimate'];
  return {
    run_id: 4,
    status: 'done',
    active: true,
    created_at: '2026-01-01T00:00:00Z',
    backbone: 'mobilenet',
    provider: 'cpu',
    backend: 'tfjs',
    seconds: 12,
    params: DEFAULT_TRAIN_PARAMS,
    snapshot: null,
    metrics: null,
    recommended_threshold: { bad, good: null },
    thresholds: { bad: { ...t(bad), estimate: est }, good: t(null) },
    error: null,
  };
}

describe('thresholds in qc run and qc runs', () => {
  it('print with as many decimals as tell them apart, as the app does (0.99964, not 1.000 or 0.9996)', () => {
    const run = nearOneRun(0.99964, 0.999984);
    const text = formatRun(run);
    expect(text).toContain('bad: recommended threshold p(bad) ≥ 0.99964 →');
    expect(text).toContain('at p(bad) ≥ 0.999984 →');
    const table = formatRuns({ active: 4, runs: [run] });
    const row = table.split('\n')[1]!;
    expect(row).toContain(' 0.99964 ');
    expect(row).not.toContain('1.000');
    expect(formatRuns({ active: 4, runs: [nearOneRun(0.99998, 0.99999)] })).toContain(' 0.999980 ');
  });
});

describe('qc train', () => {
  it('says whether the new run became the active one and why', () => {
    const won = formatRun({ ...nearOneRun(0.99964, 0.999984), activation: 'on the 81 test images both runs scored, AUC 0.980 for run 4 vs 0.963 for run 3' });
    expect(won.split('\n')[1]).toBe('  became the active run: on the 81 test images both runs scored, AUC 0.980 for run 4 vs 0.963 for run 3');
    const lost = formatRun({ ...nearOneRun(0.99964, 0.999984), active: false, activation: 'on the 81 test images both runs scored, AUC 0.963 for run 4 vs 0.976 for run 1: run 1 stays active' });
    expect(lost.split('\n')[1]).toBe('  not made active: on the 81 test images both runs scored, AUC 0.963 for run 4 vs 0.976 for run 1: run 1 stays active (qc use 4 makes it active)');
    const archived = formatRun({ ...nearOneRun(0.99964, 0.999984), active: false, archived: true, activation: 'run 4 was archived while it trained' });
    expect(archived.split('\n')[1]).toBe('  not made active: run 4 was archived while it trained (qc archive 4 --restore, then qc use 4 makes it active)');
    // A tie, as core/ml/runs.ts activateIfBetter words it (curatorday audit L7): the same words as the app's toast.
    const tie = formatRun({ ...nearOneRun(0.99964, 0.999984), active: false, activation: `${sharedTestAucWords(4, 1, 0.995, 0.995, 60)}: run 1 stays active` });
    expect(tie.split('\n')[1]).toBe('  not made active: a tie on the 60 test images both runs scored, AUC 0.995 each: run 1 stays active (qc use 4 makes it active)');
    // qc run shows a stored run: no activation, no such line.
    expect(formatRun(nearOneRun(0.99964, 0.999984))).not.toMatch(/active run:|not made active/);
  });
});

describe('qc demo', () => {
  it('a load cancelled part way says to run qc demo again (qc train would train on the part loaded); --no-train says qc train', () => {
    const again = /run qc demo again to finish loading the demo/;
    expect(formatDemo({ import: { cancelled: true }, run: null }, 'Cancelled ratings')).toMatch(again);
    expect(formatDemo({ import: { cancelled: true }, run: null }, 'Cancelled ratings')).not.toMatch(/qc train/);
    expect(formatDemo({ import: { cancelled: false }, run: { ...nearOneRun(0.9, 0.9), status: 'cancelled' } }, 'Imported')).toMatch(again);
    expect(formatDemo({ import: { cancelled: false }, run: null }, 'Imported')).toBe('Imported\nnot trained (qc train)');
    expect(formatDemo({ import: { cancelled: false }, run: nearOneRun(0.9, 0.9) }, 'Imported')).not.toMatch(again);
  });
});

/** A finished run that recommends `bad` with these out-of-fold and test coverages, and `good` (a p(good) threshold). */
function coveredRun(bad: number | null, oofCoverage: number, testCoverage: number, good: number | null = null): RunSummary {
  const run = nearOneRun(bad ?? 0.9, 0.9);
  const stats = (coverage: number) => ({ coverage, error: 0.01, error_upper: 0.04, flagged: 50, tp: 49 }) as unknown as RecommendedThreshold['chosen_on'];
  const t = (threshold: number | null): RecommendedThreshold => ({
    ...run.thresholds!.bad,
    estimate: null,
    threshold,
    chosen_on: threshold === null ? null : stats(oofCoverage),
    on_test: threshold === null ? null : ({ coverage: testCoverage, error: 0.02 } as unknown as RecommendedThreshold['on_test']),
  });
  return { ...run, params: { ...run.params, features: ['signals'] }, recommended_threshold: { bad, good }, thresholds: { bad: t(bad), good: t(good) } };
}

describe('qc runs: the coverage column', () => {
  it('is the out-of-fold coverage of bad at the recommended threshold (as the app shows it), not the test split\'s; — when none is recommended', () => {
    const table = formatRuns({ active: 4, runs: [coveredRun(0.8, 0.423, 0.612)] });
    const [header, row] = table.split('\n');
    expect(header).toMatch(/ oof cover /);
    expect(header).not.toMatch(/bad cover/);
    // The column sits under its header.
    expect(row!.slice(header!.indexOf('oof cover')).startsWith('42.3% ')).toBe(true);
    expect(row).not.toContain('61.2%');
    const none = formatRuns({ active: 4, runs: [coveredRun(null, 0.423, 0.612)] }).split('\n')[1]!;
    expect(none.slice(header!.indexOf('oof cover')).startsWith('— ')).toBe(true);
  });
});

describe('qc runs: columns', () => {
  it('keep every cell under its header when the features are all four blocks, wider than the column was', () => {
    const base = coveredRun(0.8, 0.423, 0.612);
    const wide = { ...base, params: { ...base.params, features: ['whole', 'crops', 'signals', 'defects'] as RunSummary['params']['features'], hidden: 64 } };
    const [header, row] = formatRuns({ active: 4, runs: [wide, base] }).split('\n');
    const under = (name: string) => row!.slice(header!.indexOf(name));
    expect(under('features').startsWith('whole+crops+signals+defects ')).toBe(true);
    expect(under('head').startsWith('mlp64 ')).toBe(true);
    expect(under('oof cover').startsWith('42.3% ')).toBe(true);
  });
});

describe('qc run: a good-class threshold', () => {
  it('says it compares p(good), and the p(bad) it means (qc threshold takes p(bad))', () => {
    const text = formatRun(coveredRun(0.8, 0.4, 0.4, 0.490956));
    expect(text).toContain('  good: recommended threshold p(good) ≥ 0.490956 (p(bad) ≤ 0.509044) → out-of-fold coverage');
    expect(text).toContain('  bad: recommended threshold p(bad) ≥ 0.800 → out-of-fold coverage');
  });
});

describe('qc train: what it adds to the run', () => {
  it('counts the labels noise-robust training left out and says where to see them', () => {
    const run = nearOneRun(0.9, 0.9);
    expect(formatRun(run, { noise: { handling: 'prune', pruned: 2 } })).toContain('\n  noise-robust: 2 probably-wrong labels left out of the final fit (qc run 4 lists them)');
    expect(formatRun(run, { noise: { handling: 'prune', pruned: 1 } })).toContain('\n  noise-robust: 1 probably-wrong label left out of the final fit (qc run 4 lists them)');
    expect(formatRun(run, { noise: { handling: 'prune', pruned: 0 } })).toContain('\n  noise-robust: 0 probably-wrong labels left out of the final fit');
    expect(formatRun(run, { noise: { handling: 'none', pruned: 0 } })).toContain('\n  noise-robust training off: every label was used');
    expect(formatRun(run)).not.toMatch(/noise-robust/);
  });

  it('says the curator threshold of the run active before stays with it, when the new run became active', () => {
    const run = { ...nearOneRun(0.9, 0.9), in_force: { threshold: 0.9, source: 'recommended' as const } };
    const left = { run_id: 1, threshold: 0.7 };
    expect(formatRun(run, { left })).toContain('\n  exports use p(bad) ≥ 0.900 (recommended); your 0.700 stays with run 1: qc threshold 0.700 applies it here');
    expect(formatRun({ ...run, active: false }, { left })).not.toMatch(/stays with/);
    expect(formatRun(run)).not.toMatch(/stays with/);
  });
});

describe('qc use and qc threshold', () => {
  it('qc use says what exports now use, and where the curator threshold of the run active before stayed', () => {
    const recommended = { threshold: 0.812, source: 'recommended' as const };
    expect(formatUse({ active: 3, in_force: recommended }, 0.812, { run_id: 1, threshold: 0.7 })).toBe(
      'active run: 3\nexports now use p(bad) ≥ 0.812 (recommended); your 0.700 stays with run 1: qc threshold 0.700 applies it here',
    );
    expect(formatUse({ active: 3, in_force: recommended }, 0.812, null)).toBe('active run: 3\nexports now use p(bad) ≥ 0.812 (recommended)');
    // The new run has the same curator threshold already: nothing to apply.
    expect(formatUse({ active: 3, in_force: { threshold: 0.7, source: 'curator' } }, 0.812, { run_id: 1, threshold: 0.7 })).toBe(
      "active run: 3\nexports now use p(bad) ≥ 0.700 (curator's; recommended 0.812)",
    );
    expect(formatUse({ active: null, in_force: null }, null, null)).toBe('active run: none');
  });

  it('qc threshold names the run it set the threshold for', () => {
    expect(formatSetThreshold({ threshold: 0.25, in_force: { threshold: 0.25, source: 'curator' }, active_run: 3 })).toBe('threshold for final tags of run 3: 0.250 (curator)');
    expect(formatSetThreshold({ threshold: null, in_force: { threshold: 0.812, source: 'recommended' }, active_run: 3 })).toBe("threshold for final tags of run 3: 0.812 (the run's own, recommended)");
    expect(formatSetThreshold({ threshold: null, in_force: { threshold: 0.5, source: 'default' }, active_run: 3 })).toBe('threshold for final tags of run 3: 0.500 (the default: the run recommends none)');
  });
});

describe('formatEmbed', () => {
  const s: EmbedSummary = { images: 567, embedded: 567, cached: 0, failed: 0, seconds: 31.8, images_per_second: 17.8, provider: 'cpu', backbone: 'mobilenet_v2_nsfwjs', features: ['whole', 'crops'] };
  it('counts the images in words', () => {
    expect(formatEmbed(s)).toMatch(/^Embedded 567 of 567 images \(0 already cached, 0 failed\) in 31\.8 s, 17\.8 images\/s; backbone mobilenet_v2_nsfwjs on cpu; features whole, crops$/);
    expect(formatEmbed({ ...s, images: 1, embedded: 1 })).toMatch(/^Embedded 1 of 1 image \(/);
  });
});
