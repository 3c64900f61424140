import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test-support/fixtures';
import { openDatabase } from '../open';
import { MIGRATIONS } from './index';

describe('migration 015 (alpha_features)', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('drops the cached features of pictures that can carry transparency and keeps those of JPEGs', () => {
    const file = path.join(dir, 'library.db');
    // A library at schema 14, with features for a JPEG, a PNG and a WebP.
    const db = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 14) });
    const put = db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', ?, 1, 1, 1, 't', 'v')");
    const feat = db.prepare("INSERT INTO features (sha256, extractor, version, dim, vector) VALUES (?, 'signals', 'v1', 1, x'00000000')");
    ['jpeg', 'png', 'webp'].forEach((format, i) => {
      put.run(i + 1, `sha-${format}`, format);
      feat.run(`sha-${format}`);
    });
    db.close();
    const after = openDatabase(file);
    expect(after.prepare('SELECT sha256 FROM features ORDER BY sha256').pluck().all()).toEqual(['sha-jpeg']);
    after.close();
  });
});
