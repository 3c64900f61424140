import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { collectFeaturePack, decodeFeaturePack, encodeFeaturePack, loadFeaturePack, type FeaturePack } from './featurePack';
import { FeatureStore } from './featureStore';

const sha = (i: number) => i.toString(16).padStart(64, '0');
const A = { extractor: 'bb/whole', version: 'v1' };
const B = { extractor: 'signals', version: 's2' };

function pack(n: number): FeaturePack {
  return {
    keys: [
      { ...A, dim: 3 },
      { ...B, dim: 2 },
    ],
    images: Array.from({ length: n }, (_, i) => ({ sha256: sha(i + 1), dhash: i % 2 ? null : `d${i}` })),
    vectors: [Float32Array.from({ length: n * 3 }, (_, i) => i / 7), Float32Array.from({ length: n * 2 }, (_, i) => -i - 0.5)],
  };
}

describe('feature packs', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'lib') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trip every vector bit for bit', () => {
    const p = pack(5);
    const back = decodeFeaturePack(encodeFeaturePack(p));
    expect(back.keys).toEqual(p.keys);
    expect(back.images).toEqual(p.images);
    expect(back.vectors).toEqual(p.vectors);
  });

  it('refuse what is not a whole pack, saying why', () => {
    const good = zlib.gunzipSync(encodeFeaturePack(pack(3)));
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('plain text'), /not gzip/],
      [zlib.gzipSync(Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)])), /wrong magic/],
      [zlib.gzipSync(good.subarray(0, good.length - 4)), /bytes of vectors, expected/],
      [zlib.gzipSync(good.subarray(0, 20)), /truncated header/],
    ];
    for (const [data, reason] of cases) {
      const err = qcError(() => decodeFeaturePack(data, 'x.bin.gz'));
      expect(err.message).toMatch(/^x\.bin\.gz: not a usable feature pack/);
      expect(err.message).toMatch(reason);
      expect(err.file).toBe('x.bin.gz');
    }
  });

  it('load only the keys asked for, only for pictures in the library, never over a cached vector', () => {
    const db = core.context.db;
    const insert = db.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'jpeg', 1, 1, 1, '', '')");
    for (const i of [1, 2, 3]) insert.run(sha(i), `originals/${i}.jpg`);
    const store = new FeatureStore(db);
    store.put(sha(2), A, Float32Array.from([9, 9, 9]));
    const file = path.join(dir, 'p.bin.gz');
    fs.writeFileSync(file, encodeFeaturePack(pack(5)));
    const r = loadFeaturePack(db, file, [A, { extractor: 'signals', version: 'other' }]);
    expect(r).toEqual({ images: 3, vectors: 2, keys: ['bb/whole@v1'] });
    expect([...store.get(sha(1), A)!]).toEqual([0, 1 / 7, 2 / 7].map((v) => Math.fround(v)));
    expect([...store.get(sha(2), A)!]).toEqual([9, 9, 9]);
    expect(store.get(sha(1), B)).toBeNull();
    expect(store.count(A)).toBe(3);
    const hashes = db.prepare('SELECT sha256, dhash FROM images ORDER BY sha256').all();
    expect(hashes).toEqual([
      { sha256: sha(1), dhash: 'd0' },
      { sha256: sha(2), dhash: null },
      { sha256: sha(3), dhash: 'd2' },
    ]);
    // What a library has cached packs back to the same vectors.
    const again = collectFeaturePack(db, [sha(1), sha(3)], [A]);
    expect(again.keys).toEqual([{ ...A, dim: 3 }]);
    expect([...again.vectors[0]!]).toEqual([...pack(5).vectors[0]!.subarray(0, 3), ...pack(5).vectors[0]!.subarray(6, 9)]);
  });
});
