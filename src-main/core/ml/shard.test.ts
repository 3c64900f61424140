/**
 * Sharding a bundle: a deterministic partition by URL hash (unit), and `qc classify --shard K/N`
 * in N = 3 separate processes, each with its own copy of a trained library, whose tag files
 * together hold exactly the rows and tags of one unsharded run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { qcNodeArgs } from '../../../test-support/qcProcess';
import { parseShard, SHARD_FOLDER, shardFileName, shardOf, writeShardBundle } from './shard';

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...qcNodeArgs(), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Data rows of a TSV (header dropped), sorted. */
const rowsOf = (file: string) => fs.readFileSync(file, 'latin1').trim().split('\n').slice(1).sort();

describe('shards', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses K/N and refuses anything else', () => {
    expect(parseShard('2/8')).toEqual({ k: 2, n: 8 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/2/3', '']) expect(() => parseShard(bad)).toThrow(/K\/N/);
  });

  it('splits a bundle into disjoint shards that cover it, byte for byte, header kept, latin1 intact', async () => {
    const header = 'eolMediaURL\tidentifier\tnote';
    const rows = Array.from({ length: 300 }, (_, i) => `https://example.org/m/${i}.jpg\t${i}\tcaf\u00e9 ${i}`);
    const bundle = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundle, Buffer.from([header, ...rows].join('\r\n') + '\r\n', 'latin1'));
    const seen: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const r = await writeShardBundle(bundle, { k, n: 3 }, path.join(dir, 'shards'));
      expect(path.basename(r.file)).toBe(shardFileName(bundle, { k, n: 3 }));
      expect(path.basename(r.file)).toBe(`bundle.shard-${k}-of-3.txt`);
      const lines = fs.readFileSync(r.file, 'latin1').trim().split('\n');
      expect(lines[0]).toBe(header);
      expect(r.rows).toBe(300);
      expect(lines.length - 1).toBe(r.kept);
      expect(r.kept).toBeGreaterThan(60); // roughly a third each
      for (const l of lines.slice(1)) expect(shardOf(l.split('\t')[0]!, 3)).toBe(k - 1);
      seen.push(...lines.slice(1));
    }
    expect(seen.sort()).toEqual([...rows].sort());
    // The same bundle and N give the same shards (another run, another machine).
    const again = await writeShardBundle(bundle, { k: 2, n: 3 }, path.join(dir, 'again'));
    expect(fs.readFileSync(again.file)).toEqual(fs.readFileSync(path.join(dir, 'shards', SHARD_FOLDER, 'bundle.shard-2-of-3.txt')));
  });

  it('shards a bare URL list (no header)', async () => {
    const list = path.join(dir, 'urls.txt');
    const urls = Array.from({ length: 50 }, (_, i) => `https://example.org/u/${i}.jpg`);
    fs.writeFileSync(list, urls.join('\n') + '\n');
    const parts = await Promise.all([1, 2].map((k) => writeShardBundle(list, { k, n: 2 }, path.join(dir, 'list'))));
    const got = parts.flatMap((p) => fs.readFileSync(p.file, 'utf8').trim().split('\n')).filter(Boolean);
    expect(got.sort()).toEqual([...urls].sort());
  });

  it('reads its bundle as the importer does: a device or folder is refused, an over-long row is named, a planted link is not written through', async () => {
    if (process.platform !== 'win32') await expect(writeShardBundle('/dev/zero', { k: 1, n: 2 }, path.join(dir, 'dev'))).rejects.toMatchObject({ code: 'bad_input' });
    await expect(writeShardBundle(dir, { k: 1, n: 2 }, path.join(dir, 'dir'))).rejects.toMatchObject({ code: 'bad_input' });
    const long = path.join(dir, 'long.txt');
    fs.writeFileSync(long, `eolMediaURL\nhttps://example.org/a.jpg\nhttps://example.org/${'x'.repeat(2 << 20)}.jpg\n`);
    await expect(writeShardBundle(long, { k: 1, n: 2 }, path.join(dir, 'long'))).rejects.toMatchObject({ code: 'bad_input', line: 3, message: expect.stringMatching(/2\.0 MB long/) });
    expect(fs.readdirSync(path.join(dir, 'long', SHARD_FOLDER))).toEqual([]); // nothing half-written left behind
    // A link planted at the shard's name: replaced by the shard file, its target untouched.
    const list = path.join(dir, 'few.txt');
    fs.writeFileSync(list, 'https://example.org/1.jpg\nhttps://example.org/2.jpg\n');
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'PRECIOUS');
    const out = path.join(dir, 'linked');
    fs.mkdirSync(path.join(out, SHARD_FOLDER), { recursive: true });
    fs.symlinkSync(victim, path.join(out, SHARD_FOLDER, shardFileName(list, { k: 1, n: 1 })));
    const r = await writeShardBundle(list, { k: 1, n: 1 }, out);
    expect(fs.readFileSync(victim, 'utf8')).toBe('PRECIOUS');
    expect(fs.lstatSync(r.file).isFile()).toBe(true);
    expect(r.kept).toBe(2);
  });

  it('sweeps the temporary shard files of dead processes (a classify killed while writing one), and leaves a live one', async () => {
    const list = path.join(dir, 'sweep-list.txt');
    fs.writeFileSync(list, 'https://x.org/1.jpg\nhttps://x.org/2.jpg\n');
    const out = path.join(dir, 'sweep');
    const shards = path.join(out, SHARD_FOLDER);
    fs.mkdirSync(shards, { recursive: true });
    const name = shardFileName(list, { k: 1, n: 1 });
    const dead = [`${name}.tmp-999999999_1.2-0123456789ab`, `${name}.tmp-999999999-0123456789ab`];
    const live = `${name}.tmp-1-0123456789ab`;
    for (const n of [...dead, live]) fs.writeFileSync(path.join(shards, n), 'half');
    // Unknown to this library and touched within the hour: maybe another machine's, left alone.
    await writeShardBundle(list, { k: 1, n: 1 }, out);
    expect(fs.readdirSync(shards).sort()).toEqual([name, ...dead, live].sort());
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const n of dead) fs.utimesSync(path.join(shards, n), hoursAgo, hoursAgo);
    await writeShardBundle(list, { k: 1, n: 1 }, out);
    expect(fs.readdirSync(shards).sort()).toEqual([name, live].sort());
  });

  it('refuses a .shards link planted in the output folder: the shard lands only inside the folder the user named', async () => {
    const list = path.join(dir, 'planted.txt');
    fs.writeFileSync(list, 'https://example.org/1.jpg\n');
    const out = path.join(dir, 'shared-out');
    const elsewhere = path.join(dir, 'not-chosen');
    fs.mkdirSync(out);
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(out, SHARD_FOLDER));
    await expect(writeShardBundle(list, { k: 1, n: 1 }, out)).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/is a link, not a folder/) });
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    // The output folder's own path may go through a link: that one the user named.
    const viaLink = path.join(dir, 'out-link');
    fs.symlinkSync(path.join(dir, 'shards'), viaLink);
    const r = await writeShardBundle(list, { k: 1, n: 1 }, viaLink);
    expect(fs.realpathSync(r.file)).toBe(path.join(fs.realpathSync(dir), 'shards', SHARD_FOLDER, 'planted.shard-1-of-1.txt'));
  });

  it('qc classify --shard K/3 in three processes: the union of their tag files equals one unsharded run', async () => {
    // A trained library, copied for each process as each machine would get its own copy.
    const base = path.join(dir, 'lib');
    const { ids } = await trainedDevLibrary(base);
    const rows = devRatings().filter(([id]) => !ids.has(id)).slice(0, 24);
    const bundle = path.join(dir, 'eol_bundle.txt');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tdataObjectVersionID', ...rows.map(([id, url]) => `${url}\t${id}\t1${id}`)].join('\n') + '\n');
    const out = path.join(dir, 'out');
    const classify = (data: string, extra: string[]) =>
      runCli(['--data', data, '--json', 'classify', bundle, '--out', out, '--mirror', `${DEV_URL_PREFIX}=${DEV_IMAGES}`, '--threshold', '0.5', ...extra]);
    for (const name of ['s1', 's2', 's3', 'all']) fs.cpSync(base, path.join(dir, name), { recursive: true });
    const results = await Promise.all([classify(path.join(dir, 's1'), ['--shard', '1/3']), classify(path.join(dir, 's2'), ['--shard', '2/3']), classify(path.join(dir, 's3'), ['--shard', '3/3'])]);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const whole = await classify(path.join(dir, 'all'), []);
    expect(whole.status, whole.stderr).toBe(0);
    // The bundle's 24 new pictures are stored without thumbnails: files.ts makes one when it is first shown.
    const files = (lib: string, sub: string) => fs.readdirSync(path.join(lib, sub), { recursive: true }).filter((f) => /\.(webp|jpg)$/.test(String(f))).length;
    expect(files(path.join(dir, 'all'), 'originals')).toBe(files(base, 'originals') + 24);
    expect(files(path.join(dir, 'all'), 'thumbs')).toBe(files(base, 'thumbs'));

    const sharded = [1, 2, 3].map((k) => path.join(out, `eol_bundle.shard-${k}-of-3_finaltags.tsv`));
    const union = sharded.flatMap(rowsOf).sort();
    const single = rowsOf(path.join(out, 'eol_bundle_finaltags.tsv'));
    expect(single).toHaveLength(24);
    expect(union).toEqual(single);
    // Every shard got some rows and wrote its own chunk file.
    for (let k = 1; k <= 3; k++) expect(fs.existsSync(path.join(out, `eol_bundle.shard-${k}-of-3_a.tsv`))).toBe(true);
    const summaries = results.map((r) => JSON.parse(r.stdout) as { rows: number });
    expect(summaries.reduce((s, r) => s + r.rows, 0)).toBe(24);
    expect([1, 2, 3].flatMap((k) => rowsOf(path.join(out, `eol_bundle.shard-${k}-of-3_a.tsv`))).sort()).toEqual(rowsOf(path.join(out, 'eol_bundle_a.tsv')));
  }, 600_000);
});
