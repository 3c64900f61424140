/**
 * Loading a feature pack (the demo's) beside another process that labels: every load succeeds. A
 * load reads (is the vector cached?) before it writes, so it must take the write lock first
 * (IMMEDIATE): a deferred transaction that upgrades while the other process writes fails at once
 * with "database is locked", which no busy timeout helps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { writeBesideLabelling } from '../../../test-support/labellingProcess';
import { openDatabase } from '../db/open';
import { encodeFeaturePack, loadFeaturePack } from './featurePack';

const IMAGES = 200;
const sha = (i: number) => i.toString(16).padStart(64, '0');
const KEY = { extractor: 'bb/whole', version: 'v1' };

describe('a feature pack loaded beside a process that labels', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbFile = path.join(dir, 'library.db');
  const db = openDatabase(dbFile);
  db.transaction(() => {
    for (let i = 1; i <= IMAGES; i++) {
      db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(i, sha(i));
    }
  })();
  // No perceptual hashes: the load's first statement is a read (is the vector cached?).
  const pack = path.join(dir, 'features.bin.gz');
  fs.writeFileSync(
    pack,
    encodeFeaturePack({
      keys: [{ ...KEY, dim: 4 }],
      images: Array.from({ length: IMAGES }, (_, i) => ({ sha256: sha(i + 1), dhash: null })),
      vectors: [Float32Array.from({ length: IMAGES * 4 }, (_, i) => i / 7)],
    }),
  );

  it('never fails with "database is locked"', async () => {
    const { calls, errors, code, labelled, out } = await writeBesideLabelling(dbFile, IMAGES, 2500, () => {
      db.prepare('DELETE FROM features').run(); // so that each load writes every vector again
      expect(loadFeaturePack(db, pack, [KEY])).toMatchObject({ images: IMAGES, vectors: IMAGES });
    });
    expect(code, out).toBe(0);
    expect(labelled).toBeGreaterThan(50); // the other process did write meanwhile
    expect(calls).toBeGreaterThan(10);
    expect({ calls, errors: errors.length, first: errors[0] }).toEqual({ calls, errors: 0, first: undefined });
  }, 30_000);
});
