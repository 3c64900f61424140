import { describe, expect, it } from 'vitest';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

describe('migration 015 (alpha_features)', () => {
  const mdb = useMigrationDb('qc-m015-');

  it('drops the cached features of pictures that can carry transparency and keeps those of JPEGs', () => {
    // A library at schema 14, with features for a JPEG, a PNG and a WebP.
    const db = dbAtVersion(mdb.dir(), 14);
    const put = db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', ?, 1, 1, 1, 't', 'v')");
    const feat = db.prepare("INSERT INTO features (sha256, extractor, version, dim, vector) VALUES (?, 'signals', 'v1', 1, x'00000000')");
    ['jpeg', 'png', 'webp'].forEach((format, i) => {
      put.run(i + 1, `sha-${format}`, format);
      feat.run(`sha-${format}`);
    });
    db.close();
    const after = mdb.open();
    expect(after.prepare('SELECT sha256 FROM features ORDER BY sha256').pluck().all()).toEqual(['sha-jpeg']);
  });
});
