/** The `qc` contract as a user meets it: a real process, JSON on stdout, one error line on stderr. */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../test-support/fixtures';
import { writeRatingsFile } from '../../test-support/image-server';
import { qcNodeArgs } from '../../test-support/qcProcess';
import { LATEST_SCHEMA_VERSION } from '../core/db/migrations';

let dir: string;
let dataDir: string;

function qc(...args: string[]) {
  return qcIn(REPO_ROOT, ...args);
}

function qcIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', dataDir, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** --json output: exactly one JSON object and nothing else. */
function json(r: { stdout: string }) {
  const text = r.stdout.trim();
  expect(text.split('\n')).toHaveLength(1);
  const value = JSON.parse(text) as Record<string, unknown>;
  expect(typeof value).toBe('object');
  return value;
}

describe('qc', () => {
  beforeAll(() => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports with --json and reports status, labels and undo', () => {
    const file = path.join(dir, 'ratings.txt');
    writeRatingsFile(file, devRatings().slice(0, 8));
    const imp = qc('import', file, '--mirror', `${DEV_URL_PREFIX}=${DEV_IMAGES}`, '--json');
    expect(imp.code, imp.stderr).toBe(0);
    const summary = json(imp);
    expect(summary).toMatchObject({ kind: 'ratings', rows: 8, images_new: 8, failed: 0 });
    const labels = summary.labels as { good: number; bad: number; unlabeled: number };
    expect(labels.good + labels.bad + labels.unlabeled).toBe(8);

    const status = json(qc('status', '--json'));
    expect(status).toMatchObject({ images: 8, failed: 0, data_dir: dataDir, schema_version: LATEST_SCHEMA_VERSION });
    expect(Object.keys(status.ratings as object)).toEqual(['1', '2', '3', '4', '5']);

    const set = json(qc('label', '1', '2', '--as', 'bad', '--json'));
    expect(set.batch_id).toEqual(expect.any(Number));
    const after = json(qc('status', '--json')) as { labels_by_origin: { curator: number } };
    expect(after.labels_by_origin.curator).toBe(2);
    // Another change after it: `qc undo <batch>` undoes the one named, `qc undo` the newest.
    const later = json(qc('label', '3', '--as', 'good', '--json')) as { batch_id: number };
    const named = json(qc('undo', String(set.batch_id), '--json')) as { changed: { image_id: number; new_origin: string }[] };
    expect(named.changed.map((c) => [c.image_id, c.new_origin]).sort()).toEqual([
      [1, 'import'],
      [2, 'import'],
    ]);
    const again = qc('undo', String(set.batch_id), '--json');
    expect(again.code).toBe(1);
    expect(json(again)).toEqual({ error: { code: 'conflict', message: expect.stringMatching(/undone already/) } });
    const undo = json(qc('undo', '--json')) as { changed: { image_id: number; new_origin: string }[] };
    expect(undo.changed.map((c) => [c.image_id, c.new_origin])).toEqual([[3, 'import']]);
    expect(later.batch_id).toBeGreaterThan(set.batch_id as number);
    expect((json(qc('status', '--json')) as { labels_by_origin: { curator: number } }).labels_by_origin.curator).toBe(0);

    // Human output (not a TTY: no progress bar) is readable text.
    const human = qc('status');
    expect(human.stdout).toMatch(/images 8: \d+ good, \d+ bad, \d+ unlabelled/);
  }, 60_000);

  it('fails with one clear line naming the file and line, and stores nothing', () => {
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, 'obj_with_overall_rating\tobj_url\tancestry\n1\thttp://127.0.0.1:9/x.jpg\t{}\n');
    const r = qc('import', bad, '--kind', 'ratings', '--json');
    expect(r.code).toBe(1);
    // --json: the failure is the one object on stdout too, with its code, file and line.
    expect(json(r)).toEqual({ error: { code: 'bad_input', message: expect.stringMatching(/^missing required column "overall_rating"/), file: bad, line: 1 } });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}:1: missing required column "overall_rating"`);
    expect((json(qc('status', '--json')) as { images: number; imports: number }).imports).toBe(1);
  }, 30_000);

  it('reads relative paths against the folder qc was started in (the API itself takes absolute ones only)', () => {
    const work = path.join(dir, 'work');
    fs.mkdirSync(path.join(work, 'lists'), { recursive: true });
    writeRatingsFile(path.join(work, 'lists', 'rel.txt'), devRatings().slice(8, 10));
    const imp = qcIn(work, 'import', 'lists/rel.txt', '--mirror', `${DEV_URL_PREFIX}=${path.relative(work, DEV_IMAGES)}`, '--json');
    expect(imp.code, imp.stderr).toBe(0);
    expect(json(imp)).toMatchObject({ rows: 2, failed: 0, source: path.join(work, 'lists', 'rel.txt') });
    const out = qcIn(work, 'export-training', 'seed', '--sample', '2', '--json');
    expect(out.code, out.stderr).toBe(0);
    expect(fs.readdirSync(path.join(work, 'seed'))).toContain('images');
  }, 60_000);

  it('rejects unknown labels (a usage error, 2) and image ids (1)', () => {
    const r = qc('label', '1', '--as', 'great');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^qc: --as: label must be good, bad or none/);
    const missing = qc('label', '99999', '--as', 'good');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no image with id 99999/);
  }, 30_000);

  it("exits 2 for every usage error, a subcommand's included, with a line naming the option", () => {
    const cases: [string[], RegExp][] = [
      [['classify', 'x.tsv'], /required option '--out <dir>' not specified/],
      [['status', '--bogus'], /unknown option '--bogus'/],
      [['train', '--noise', 'foo'], /^qc: --noise must be prune or none/m],
      [['train', '--features', 'whole,bogus'], /^qc: --features: unknown feature set "bogus"/m],
      [['import', 'x.tsv', '--mirror', 'foo'], /^qc: --mirror wants PREFIX=DIR/m],
      [['classify', 'x.tsv', '--out', 'o', '--shard', '0/3'], /^qc: --shard wants K\/N/m],
      [['import', 'ftp://x/y'], /^qc: ftp:\/\/x\/y: only http\(s\) URLs are downloaded/m],
      [['runs', '--best', '0'], /^qc: --best: /m],
      [['runs', '--archive-rest'], /^qc: --archive-rest needs --best N/m],
      [['export-training', 'd', '--sample', '0'], /^qc: --sample: /m],
    ];
    for (const [args, message] of cases) {
      const r = qc(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
      // One line, and at most a pointer to the command's help: never the whole help text.
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
      expect(lines[0]).toMatch(/^qc: /);
      if (lines[1] !== undefined) expect(lines[1]).toBe(`(see qc ${args[0]} --help)`);
    }
  }, 120_000);

  it('with --json a failure is one JSON object on stdout with its code (a usage error too), besides the line on stderr', () => {
    const cases: [string[], number, string, RegExp][] = [
      [['run', '99'], 1, 'not_found', /^no run with id 99$/],
      [['label', '1'], 2, 'invalid_argument', /^required option '--as <label>' not specified$/],
      [['status', '--bogus'], 2, 'invalid_argument', /^unknown option '--bogus'$/],
      [['nosuchcommand'], 2, 'invalid_argument', /^unknown command 'nosuchcommand'/],
      [['threshold', '2'], 2, 'invalid_argument', /^threshold: /],
      [['label', '1', '--as', 'great'], 2, 'invalid_argument', /^--as: label must be good, bad or none/],
    ];
    for (const [args, code, errorCode, message] of cases) {
      for (const argv of [['--json', ...args], [...args, '--json']]) {
        const r = qc(...argv);
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(code);
        const { error } = json(r) as { error: { code: string; message: string } };
        expect(error.code, argv.join(' ')).toBe(errorCode);
        expect(error.message, argv.join(' ')).toMatch(message);
        expect(r.stderr, argv.join(' ')).toContain(`qc: ${error.message}`);
        expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2);
      }
    }
  }, 120_000);

  it('refuses a threshold before any run (a threshold is chosen on a run\'s scores; no later run would use it)', () => {
    const r = qc('threshold', '0.3');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("qc: There is no run yet: a threshold is chosen on a run's scores. Train first.\n");
    expect(json(qc('threshold', '0.3', '--json'))).toEqual({ error: { code: 'bad_input', message: "There is no run yet: a threshold is chosen on a run's scores. Train first." } });
    // "auto" (the run's recommendation) needs a run as much.
    const auto = qc('threshold', 'auto');
    expect([auto.code, auto.stdout, auto.stderr]).toEqual([1, '', "qc: There is no run yet: a threshold is chosen on a run's scores. Train first.\n"]);
  }, 30_000);

  it('lists imports and bundles with their ids (qc sources)', () => {
    const r = qc('sources', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { imports, bundles } = json(r) as { imports: { id: number; kind: string }[]; bundles: unknown[] };
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((i) => i.kind === 'ratings' && i.id >= 1)).toBe(true);
    expect(bundles).toEqual([]);
    const human = qc('sources');
    expect(human.stdout).toMatch(new RegExp(`^Imports:\\n\\s+${imports[0]!.id}\\s+ratings`));
    expect(human.stdout).toMatch(/Bundles:\n\s+none/);
  }, 30_000);

  it('Ctrl-C on a classify whose downloads hang: cancelled, exit 130, the next command runs', async () => {
    // A small trained library of its own (classify needs a run).
    const ratings = path.join(dir, 'ratings40.txt');
    writeRatingsFile(ratings, devRatings().slice(0, 40));
    expect(qc('import', ratings, '--mirror', `${DEV_URL_PREFIX}=${DEV_IMAGES}`).code).toBe(0);
    const trained = qc('train', '--features', 'signals', '--hidden', '0', '--augment', '0', '--epochs', '5');
    expect(trained.code, trained.stderr).toBe(0);
    const server = http.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const bundle = path.join(dir, 'hang.tsv');
    fs.writeFileSync(bundle, `eolMediaURL\nhttp://127.0.0.1:${port}/a.jpg\nhttp://127.0.0.1:${port}/b.jpg\n`);
    const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'classify', bundle, '--out', path.join(dir, 'hang-out')], { cwd: REPO_ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const waited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Once the downloads are waiting on the server.
    const begun = Date.now();
    while ((await countConnections(server)) === 0 && Date.now() - begun < 30_000) await setTimeout(100);
    child.kill('SIGINT');
    const code = await waited;
    server.closeAllConnections();
    server.close();
    expect(code, stderr).toBe(130);
    // Said with what the cancel keeps (before: "qc: cancelled" alone, though the same command continues).
    expect(stderr).toContain('qc: cancelled; the pictures stored and the features computed so far are kept: the same command continues from there (its tag files are not written)');
    expect(qc('status', '--json').code).toBe(0);
  }, 120_000);
});

function countConnections(server: http.Server): Promise<number> {
  return new Promise((r) => server.getConnections((_e, n) => r(n)));
}

