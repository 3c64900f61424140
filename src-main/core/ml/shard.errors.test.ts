/**
 * A sharded classify that fails names the bundle file the curator gave (and its line), never only
 * the internal `.shards` copy it imports: ml.classify with a shard on a real seeded library and
 * real files, and the line map of writeShardBundle on a real shard file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { curatorError, SHARD_FOLDER, shardOf, writeShardBundle } from './shard';

describe('a failing sharded classify names the curator\'s bundle', () => {
  const dir = tempDir('qc-shard-errors-');
  const lib = seedLibrary({ images: 10, runs: 1 });
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  it('a bundle refused by the import: the error is the bundle file and line, nothing written', async () => {
    const bundle = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tidentifier', ...Array.from({ length: 12 }, (_, i) => `https://elsewhere.example/${i}.jpg\t${i}\t${i}`)].join('\n') + '\n');
    const outDir = path.join(dir, 'out');
    const err = (await lib.core.call('ml.classify', { source: bundle, outDir, shard: { k: 1, n: 2 } }).catch((e: unknown) => e)) as QcError;
    expect(err).toBeInstanceOf(QcError);
    // Refused as the import refuses it, up front, against the bundle itself: no shard copy is written.
    expect(err).toMatchObject({ code: 'bad_input', file: bundle, line: 1 });
    expect(err.message).toBe('column "identifier" appears twice in the header');
    expect(fs.existsSync(path.join(outDir, SHARD_FOLDER))).toBe(false);
  });

  it('maps each line of the shard file back to the bundle line it was copied from', async () => {
    const bundle = path.join(dir, 'lines.tsv');
    const urls = Array.from({ length: 40 }, (_, i) => `https://elsewhere.example/l${i}.jpg`);
    // Line 1 the header, line 2 blank, then a URL a line: URL i is on line i + 3.
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', '', ...urls.map((u, i) => `${u}\t${i}`)].join('\n') + '\n');
    const shard = { k: 2, n: 3 };
    const s = await writeShardBundle(bundle, shard, path.join(dir, 'lines-out'));
    const kept = urls.map((u, i) => ({ u, line: i + 3 })).filter(({ u }) => shardOf(u, 3) === 1);
    expect(s.kept).toBe(kept.length);
    const shardLines = fs.readFileSync(s.file, 'utf8').trimEnd().split('\n');
    expect(shardLines.length).toBe(kept.length + 1);
    expect(s.sourceLine(1)).toBe(1);
    kept.forEach(({ u, line }, i) => {
      expect(shardLines[i + 1]!.split('\t')[0]).toBe(u);
      expect(s.sourceLine(i + 2)).toBe(line);
    });
    expect(s.sourceLine(kept.length + 2)).toBeUndefined();
    // A bundle line is this shard's (its failures to replace) unless another shard's row is there.
    const theirs = new Set(urls.map((u, i) => ({ u, line: i + 3 })).filter(({ u }) => shardOf(u, 3) !== 1).map(({ line }) => line));
    for (let line = 1; line <= urls.length + 5; line++) expect(s.ownsLine(line), `line ${line}`).toBe(!theirs.has(line));
    // An error at the shard file's line 3 is the bundle's line of that row.
    const e = curatorError(new QcError('bad_input', `${s.file}:3: something is wrong`, { file: s.file, line: 3 }), bundle, s) as QcError;
    expect(e).toMatchObject({ file: bundle, line: kept[1]!.line, message: `${bundle}:${kept[1]!.line}: something is wrong (read from its shard copy ${s.file}, line 3)` });
    const other = new QcError('bad_input', 'elsewhere', { file: '/x' });
    expect(curatorError(other, bundle, s)).toBe(other);
  });
});
