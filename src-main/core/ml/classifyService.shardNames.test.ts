/**
 * Two bundle files with the same name in two folders (`/a/bundle.txt`, `/b/bundle.txt`), each
 * classified as a shard into one output folder: each stays a bundle of its own in the library, with
 * tag files of its own (the second's shard copy is named apart), and classifying the first again
 * finds its own bundle and files; so too when the two names differ only in case. The shards of a bundle file without an extension each write tag
 * files named after the shard. Real parts: a trained library, the importer reading a local mirror.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, type Core } from '../app';

let dir: string;
let core: Core;
let rows: [string, string][];
const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

beforeAll(async () => {
  dir = tempDir('qc-classify-shard-names-');
  const lib = path.join(dir, 'lib');
  const { ids } = await trainedDevLibrary(lib, 20);
  rows = devRatings()
    .filter(([id]) => !ids.has(id))
    .slice(0, 10)
    .map(([id, url]) => [id, url]);
  core = createCore({ dataDir: lib, ml: 'in-process' });
}, 300_000);

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function bundleFile(folder: string, part: [string, string][]): string {
  fs.mkdirSync(path.join(dir, folder), { recursive: true });
  const file = path.join(dir, folder, 'bundle.txt');
  fs.writeFileSync(file, ['eolMediaURL\tidentifier', ...part.map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
  return file;
}

/** The identifiers a tag file holds, in order. */
function identifiers(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[1]!);
}

describe('ml.classify --shard: the names of shard copies and their tag files', () => {
  it('keeps each bundle and its tag files apart, and finds the first again when it is classified again', async () => {
    const a = bundleFile('a', rows.slice(0, 5));
    const b = bundleFile('b', rows.slice(5, 10));
    const out = path.join(dir, 'out');
    const shard = { k: 1, n: 1 };
    const first = await core.call('ml.classify', { source: a, mirrors, outDir: out, shard });
    const aFinal = first.files.find((f) => f.endsWith('_finaltags.tsv'))!;
    const aTags = fs.readFileSync(aFinal, 'utf8');
    expect(identifiers(aFinal)).toEqual(rows.slice(0, 5).map(([id]) => id));

    const second = await core.call('ml.classify', { source: b, mirrors, outDir: out, shard });
    expect(second.bundle_id).not.toBe(first.bundle_id);
    expect(second.rows).toBe(5);
    const bFinal = second.files.find((f) => f.endsWith('_finaltags.tsv'))!;
    expect(bFinal).not.toBe(aFinal);
    expect(second.files.filter((f) => first.files.includes(f))).toEqual([]);
    expect(identifiers(bFinal)).toEqual(rows.slice(5, 10).map(([id]) => id));
    // The first bundle's files and rows in the library are untouched.
    expect(fs.readFileSync(aFinal, 'utf8')).toBe(aTags);
    const shown = core.context.db.prepare('SELECT id, shown_origin FROM bundles ORDER BY id').all();
    expect(shown).toEqual([
      { id: first.bundle_id, shown_origin: `${a}, shard 1 of 1` },
      { id: second.bundle_id, shown_origin: `${b}, shard 1 of 1` },
    ]);
    const again = path.join(dir, 'out-a-again');
    const exported = await core.call('export.tags', { bundleId: first.bundle_id, outDir: again });
    expect(identifiers(exported.files.find((f) => f.endsWith('_finaltags.tsv'))!)).toEqual(rows.slice(0, 5).map(([id]) => id));

    // Classified again, each file finds its own bundle and its own tag files.
    const firstAgain = await core.call('ml.classify', { source: a, mirrors, outDir: out, shard });
    expect(firstAgain).toMatchObject({ bundle_id: first.bundle_id, files: first.files, scored: 0 });
    const secondAgain = await core.call('ml.classify', { source: b, mirrors, outDir: out, shard });
    expect(secondAgain).toMatchObject({ bundle_id: second.bundle_id, files: second.files, scored: 0 });
    expect(fs.readFileSync(aFinal, 'utf8')).toBe(aTags);
    expect(identifiers(bFinal)).toEqual(rows.slice(5, 10).map(([id]) => id));
  }, 300_000);

  it('names the tag files of each shard of a bundle file without an extension after the shard', async () => {
    const file = path.join(dir, 'c', 'media');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, ['eolMediaURL\tidentifier', ...rows.map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
    const out = path.join(dir, 'out-media');
    const seen: string[] = [];
    for (const k of [1, 2]) {
      const r = await core.call('ml.classify', { source: file, mirrors, outDir: out, shard: { k, n: 2 } });
      const names = r.files.map((f) => path.basename(f));
      expect(names).toEqual([`media.shard-${k}-of-2_a.tsv`, `media.shard-${k}-of-2_finaltags.tsv`]);
      seen.push(...identifiers(r.files[1]!));
    }
    expect(seen.sort()).toEqual(rows.map(([id]) => id).sort());
  }, 300_000);

  it('names apart the shard copies of two bundle files whose names differ only in case (one file on macOS and Windows)', async () => {
    const upper = path.join(dir, 'd', 'Zeta.txt');
    const lower = path.join(dir, 'e', 'zeta.txt');
    for (const [file, part] of [[upper, rows.slice(0, 5)], [lower, rows.slice(5, 10)]] as const) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, ['eolMediaURL\tidentifier', ...part.map(([id, url]) => `${url}\t${id}`)].join('\n') + '\n');
    }
    const out = path.join(dir, 'out-case');
    const first = await core.call('ml.classify', { source: upper, mirrors, outDir: out, shard: { k: 1, n: 1 } });
    const second = await core.call('ml.classify', { source: lower, mirrors, outDir: out, shard: { k: 1, n: 1 } });
    expect(second.bundle_id).not.toBe(first.bundle_id);
    const copies = fs.readdirSync(path.join(out, '.shards'));
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.toLowerCase())).size).toBe(2);
    const names = [...first.files, ...second.files].map((f) => path.basename(f).toLowerCase());
    expect(new Set(names).size).toBe(4);
    expect(identifiers(second.files[1]!)).toEqual(rows.slice(5, 10).map(([id]) => id));
  }, 300_000);

  it('names apart the shard copies of two bundle files of the same name classified at once by two processes on one library', async () => {
    const a = bundleFile('race-a', rows.slice(0, 4));
    const b = bundleFile('race-b', rows.slice(4, 8));
    const out = path.join(dir, 'out-race');
    // A second core on the same library: another qc process, its own connection.
    const other = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    try {
      const shard = { k: 1, n: 1 };
      const [first, second] = await Promise.all([core.call('ml.classify', { source: a, mirrors, outDir: out, shard }), other.call('ml.classify', { source: b, mirrors, outDir: out, shard })]);
      expect(second.bundle_id).not.toBe(first.bundle_id);
      expect(fs.readdirSync(path.join(out, '.shards')).filter((f) => f.endsWith('.txt'))).toHaveLength(2);
      const finals = [first, second].map((r) => r.files.find((f) => f.endsWith('_finaltags.tsv'))!);
      expect(new Set(finals).size).toBe(2);
      expect(identifiers(finals[0]!)).toEqual(rows.slice(0, 4).map(([id]) => id));
      expect(identifiers(finals[1]!)).toEqual(rows.slice(4, 8).map(([id]) => id));
      // Each classified again (one at a time) finds its own copy, bundle and files.
      const again = await other.call('ml.classify', { source: b, mirrors, outDir: out, shard });
      expect(again.bundle_id).toBe(second.bundle_id);
      expect(again.files).toEqual(second.files);
      expect((await core.call('ml.classify', { source: a, mirrors, outDir: out, shard })).files).toEqual(first.files);
    } finally {
      await other.close();
    }
  }, 300_000);
});
