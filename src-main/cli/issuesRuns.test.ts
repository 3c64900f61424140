/**
 * `qc issues` and `qc runs` as a curator reads them, on a real seeded library through a real `qc`
 * process: `--limit 0` still counts the open label issues, and archived runs are marked wherever
 * they are listed, so `qc use` on one is no surprise; a run that did not finish is refused (not "no
 * open label issues"), and a verdict on an image with no label says why nothing was stored.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/fixtures';
import { seedLibrary } from '../../test-support/seedLibrary';

let dataDir: string;

function qc(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('qc issues and qc runs on a seeded library', () => {
  let open: { total: number; beyond: number };

  beforeAll(async () => {
    const lib = seedLibrary({ images: 300, runs: 2 });
    dataDir = lib.dataDir;
    open = await lib.core.call('ml.labelIssues', { limit: 0 });
    await lib.core.close();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('qc issues --limit 0 gives the count of open label issues, not "no open label issues"', () => {
    expect(open.total).toBeGreaterThan(0);
    const r = qc('issues', '--limit', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/no open label issues/);
    expect(r.stdout).toContain(`${open.total} images whose label is probably wrong`);
    expect(r.stdout).toContain('none listed (--limit 0)');
  }, 60_000);

  it('marks an archived run in qc runs --all, qc runs --best and qc run, and qc use on it says how to restore it', () => {
    expect(qc('archive', '1').code).toBe(0);
    const all = qc('runs', '--all');
    expect(all.code, all.stderr).toBe(0);
    const rows = all.stdout.split('\n');
    expect(rows.find((l) => /^1\S*\s/.test(l))).toMatch(/^1a\s+done/);
    expect(rows.find((l) => /^2\S*\s/.test(l))).toMatch(/^2\*\s+done/);
    expect(all.stdout).toContain('a = archived');

    const best = qc('runs', '--best', '5');
    expect(best.code, best.stderr).toBe(0);
    expect(best.stdout).toMatch(/run 1 \(archived\)/);
    expect(best.stdout).toMatch(/run 2\* {2}AUC/);

    expect(qc('run', '1').stdout).toMatch(/^Run 1 \(done, archived\)/);

    const use = qc('use', '1');
    expect(use.code).not.toBe(0);
    expect(use.stderr).toMatch(/run 1 is archived.*qc archive 1 --restore, then qc use 1/);
    expect(use.stderr.trim().split('\n')).toHaveLength(1);
  }, 180_000);
});

describe('qc issues on a run that did not finish, and verdicts on images with no label', () => {
  let labelled: number;
  let unlabelled: number[];

  beforeAll(async () => {
    const lib = seedLibrary({ images: 300, runs: 2 });
    dataDir = lib.dataDir;
    const db = lib.core.context.db;
    // Run 1 stopped part way, as a cancelled training leaves it (run 2 is the active one).
    db.prepare("UPDATE runs SET status = 'cancelled' WHERE id = 1").run();
    labelled = db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank LIMIT 1').pluck().get(lib.runId) as number;
    unlabelled = db.prepare('SELECT image_id FROM labels WHERE label IS NULL ORDER BY image_id LIMIT 2').pluck().all() as number[];
    await lib.core.close();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('qc issues --run of a run that did not finish says so (exit 1), as qc use does', () => {
    const r = qc('issues', '--run', '1');
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('qc: run 1 did not finish (cancelled); only a finished run has label issues\n');
    expect(qc('use', '1').code).toBe(1);
    // A finished run's issues are still listed.
    expect(qc('issues', '--run', '2', '--limit', '0').code).toBe(0);
  }, 60_000);

  it('a verdict on an image with no label says why nothing was stored on it; on none with a label it is refused (exit 1)', () => {
    expect(unlabelled).toHaveLength(2);
    const none = qc('issues', '--confirm', String(unlabelled[0]));
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`qc: nothing was confirmed: image ${unlabelled[0]} has no label, and a verdict is on a label: nothing was stored on it (qc label gives one)\n`);
    const some = qc('issues', '--dismiss', [labelled, ...unlabelled].join(','));
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout).toMatch(new RegExp(`^1 image dismissed \\(images ${unlabelled.join(', ')} have no label, and a verdict is on a label: nothing was stored on them \\(qc label gives one\\)\\); \\d+ open label issues?\\n$`));
    const json = qc('--json', 'issues', '--dismiss', [labelled, ...unlabelled].join(','));
    expect(JSON.parse(json.stdout)).toMatchObject({ changed: 1, unlabelled });
  }, 60_000);

  it('a verdict names at least one image and no run (it is on the label, whatever the run): usage errors, exit 2, nothing stored', () => {
    const empty = qc('issues', '--confirm', '');
    expect([empty.code, empty.stderr.split('\n')[0]]).toEqual([2, 'qc: --confirm: name at least one image id']);
    const withRun = qc('issues', '--confirm', String(labelled), '--run', '99');
    expect([withRun.code, withRun.stderr.split('\n')[0]]).toEqual([2, "qc: --run does not go with --confirm: a verdict is on the image's label, whatever the run"]);
    // Its verdict is still the dismissal above: the refused confirm stored nothing.
    const listed = (JSON.parse(qc('--json', 'issues', '--all', '--limit', '500').stdout) as { issues: { image_id: number; verdict?: string | null }[] }).issues;
    expect(listed.find((i) => i.image_id === labelled)?.verdict).toBe('dismissed');
  }, 60_000);
});
