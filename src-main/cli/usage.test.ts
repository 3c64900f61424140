/**
 * Usage errors of `qc` as README promises them: a line that does not parse, or options that do not
 * go together, are one line `qc: …` (and at most a pointer to the help), exit 2, with --json one
 * error object on stdout; nothing is read or written in the library. Real `qc` processes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';
import { defaultModelsDir } from '../core/app';
import { loadManifest } from '../core/ml/backbone/manifest';

let dir: string;

function qcRaw(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), ...args], { cwd: opts.cwd ?? REPO_ROOT, encoding: 'utf8', env: opts.env ?? process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, one line `qc: …` matching `message` (and at most the help pointer), nothing on stdout. */
function expectUsage(r: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(/^qc: /);
  expect(lines[0]).toMatch(message);
}

beforeAll(() => {
  dir = tempDir('qc-cli-usage-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qc usage errors', () => {
  it('qc rule --bad and --good naming the same class: a usage error (2), and no library is made', () => {
    const data = path.join(dir, 'rule-lib');
    const r = qcRaw(['--data', data, 'rule', '--bad', '1,2', '--good', '2,5']);
    expectUsage(r, /--bad and --good both name class 2/);
    expect(fs.existsSync(data)).toBe(false);
    const j = qcRaw(['--data', data, 'rule', '--bad', '1,3', '--good', '3,1', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'invalid_argument', message: '--bad and --good both name class 1,3' } });
  }, 60_000);
});

describe('qc import options that do not apply', () => {
  it('--run without tag files, and a download option with tag files, are usage errors naming the option', () => {
    const data = path.join(dir, 'import-lib');
    const ratings = path.join(dir, 'ratings.txt');
    fs.writeFileSync(ratings, 'obj_with_overall_rating\tobj_url\tancestry\toverall_rating\n1\thttp://127.0.0.1:9/x.jpg\t{}\t3\n');
    expectUsage(qcRaw(['--data', data, 'import', ratings, '--run', '1']), /^qc: --run applies only to tag files/);
    const tags = path.join(dir, 'bundle_finaltags.tsv');
    fs.writeFileSync(tags, 'eolMediaURL\timclass\tconfidence\nhttp://127.0.0.1:9/x.jpg\tgood\t0.9\n');
    const cases: [string[], string][] = [
      [['--mirror', `http://127.0.0.1:9/=${dir}`], '--mirror'],
      [['--concurrency', '2'], '--concurrency'],
      [['--timeout', '1000'], '--timeout'],
      [['--retries', '1'], '--retries'],
      [['--retry-failed'], '--retry-failed'],
      [['--allow-local'], '--allow-local'],
    ];
    for (const [extra, option] of cases) expectUsage(qcRaw(['--data', data, 'import', tags, ...extra]), new RegExp(`^qc: ${option} does not apply to tag files`));
    // Refused before the library is opened: nothing was made.
    expect(fs.existsSync(data)).toBe(false);
  }, 120_000);
});

describe('qc with no command', () => {
  it('is a usage error: one line and the help pointer, exit 2, with --json the error object; qc --help stays exit 0', () => {
    const data = path.join(dir, 'nocommand-lib');
    const r = qcRaw(['--data', data]);
    expectUsage(r, /^qc: missing command$/);
    expect(r.stderr.trim().split('\n')[1]).toBe('(see qc --help)');
    const j = qcRaw(['--data', data, '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'invalid_argument', message: 'missing command' } });
    expectUsage(qcRaw(['help', 'nosuchcommand']), /^qc: unknown command 'nosuchcommand'$/);
    for (const args of [['--help'], ['help']]) {
      const h = qcRaw(args);
      expect(h.code, args.join(' ')).toBe(0);
      expect(h.stdout).toMatch(/^Usage: qc /);
      expect(h.stderr).toBe('');
    }
    expect(fs.existsSync(data)).toBe(false);
  }, 60_000);
});

describe('qc --data', () => {
  it('an empty --data (an unset shell variable) is a usage error, never a library in the current folder', () => {
    const cwd = path.join(dir, 'cwd');
    fs.mkdirSync(cwd);
    for (const args of [['status'], ['import', path.join(dir, 'none.txt')], ['doctor', '--no-providers'], ['serve', '--no-open']]) {
      const r = qcRaw(['--data', '', ...args], { cwd });
      expectUsage(r, /^qc: --data: empty folder name/);
    }
    const j = qcRaw(['--data', ' ', 'status', '--json'], { cwd });
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as { error: { code: string } }).error.code).toBe('invalid_argument');
    expect(fs.readdirSync(cwd)).toEqual([]);
  }, 120_000);

  it('a command that only reads refuses a named folder that holds no library, and makes nothing', () => {
    const missing = path.join(dir, 'typo', 'deeper', 'lib');
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    fs.writeFileSync(path.join(photos, 'a.jpg'), 'not really');
    const commands = [['status'], ['sources'], ['failures'], ['runs'], ['run'], ['issues'], ['export', '--out', path.join(dir, 'tags')]];
    for (const folder of [missing, photos]) {
      for (const args of commands) {
        const r = qcRaw(['--data', folder, ...args]);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toBe(`qc: no library in ${folder}\n`);
        expect(r.stdout).toBe('');
      }
      const j = qcRaw(['--data', folder, 'status', '--json']);
      expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'not_found', message: `no library in ${folder}` } });
    }
    // QC_DATA_DIR names a folder as --data does.
    const env = qcRaw(['status'], { env: { ...process.env, QC_DATA_DIR: missing } });
    expect(env.code).toBe(1);
    expect(env.stderr).toBe(`qc: no library in ${missing}\n`);
    expect(fs.existsSync(path.join(dir, 'typo'))).toBe(false);
    expect(fs.readdirSync(photos)).toEqual(['a.jpg']);
    // A command that writes may still make a new library there.
    const made = qcRaw(['--data', missing, 'rule', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(fs.existsSync(path.join(missing, 'library.sqlite'))).toBe(true);
    const status = qcRaw(['--data', missing, 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ images: 0, data_dir: missing });
  }, 180_000);
});

describe('option values that do not fit', () => {
  it('are usage errors naming the option (exit 2), before any library is made', async () => {
    const data = path.join(dir, 'values-lib');
    const ids = (await loadManifest(defaultModelsDir())).backbones.map((b) => b.id);
    expect(ids.length).toBeGreaterThan(0);
    const cases: [string[], RegExp][] = [
      [['train', '--features', 'whole,whole'], /^qc: --features: whole is named twice in "whole,whole"$/],
      [['train', '--features', 'whole,,signals'], /^qc: --features: an empty item in "whole,,signals"$/],
      [['embed', '--features', ''], /^qc: --features: name at least one feature set \(choose from /],
      [['rule', '--bad', '1,1'], /^qc: --bad: 1 is named twice in "1,1"$/],
      [['rule', '--good', '4,,5'], /^qc: --good: an empty item in "4,,5"$/],
      [['embed', '--backbone', 'nope'], new RegExp(`^qc: --backbone: unknown backbone "nope" \\(choose from ${ids.join(', ')}\\)$`)],
      [['train', '--backbone', 'nope'], /^qc: --backbone: unknown backbone "nope"/],
      [['classify', 'x.tsv', '--out', 'o', '--shard', '1/1000001'], /^qc: --shard: N must be at most 1,000,000, got "1\/1000001"$/],
      [['export-model', 'abc', 'd'], /^qc: run-id: expected a run id or active, got "abc"$/],
    ];
    for (const [args, message] of cases) expectUsage(qcRaw(['--data', data, ...args]), message);
    expect(fs.existsSync(data)).toBe(false);
  }, 120_000);

  it('qc import with no source and no --retry-failed is a missing argument: the line and the pointer to its help', () => {
    const data = path.join(dir, 'nosource-lib');
    const r = qcRaw(['--data', data, 'import']);
    expectUsage(r, /^qc: missing required argument 'source' \(or --retry-failed/);
    expect(r.stderr.trim().split('\n')[1]).toBe('(see qc import --help)');
    expect(fs.existsSync(data)).toBe(false);
  }, 60_000);
});
