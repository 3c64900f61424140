/**
 * The feature cache: float32 vectors in SQLite keyed by (picture sha256, extractor, preprocessing
 * version). A picture is embedded once per extractor/version, however many URLs or bundles list it.
 */
import type { Db } from '../db/open';

export interface FeatureKey {
  extractor: string;
  version: string;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Buffer): Float32Array {
  // Copy: the Buffer may be a view into a pooled allocation that is not 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export class FeatureStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      put: db.prepare<[string, string, string, number, Buffer]>(
        'INSERT INTO features (sha256, extractor, version, dim, vector) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET dim = excluded.dim, vector = excluded.vector',
      ),
      get: db.prepare<[string, string, string], { vector: Buffer }>('SELECT vector FROM features WHERE sha256 = ? AND extractor = ? AND version = ?'),
      has: db.prepare<[string, string, string], { n: number }>('SELECT 1 AS n FROM features WHERE sha256 = ? AND extractor = ? AND version = ?'),
      count: db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM features WHERE extractor = ? AND version = ?'),
    };
  }

  put(sha: string, key: FeatureKey, v: Float32Array): void {
    this.q.put.run(sha, key.extractor, key.version, v.length, toBlob(v));
  }

  /** Store many vectors in one transaction. */
  putMany(rows: { sha: string; key: FeatureKey; vector: Float32Array }[]): void {
    this.db.transaction(() => rows.forEach((r) => this.put(r.sha, r.key, r.vector)))();
  }

  get(sha: string, key: FeatureKey): Float32Array | null {
    const row = this.q.get.get(sha, key.extractor, key.version);
    return row ? fromBlob(row.vector) : null;
  }

  has(sha: string, key: FeatureKey): boolean {
    return Boolean(this.q.has.get(sha, key.extractor, key.version));
  }

  count(key: FeatureKey): number {
    return this.q.count.get(key.extractor, key.version)!.n;
  }

  /**
   * Fill a row-major matrix with the vectors of `shas` (in order). Throws if one is missing,
   * naming it, since training on a hole would be silently wrong.
   */
  matrix(shas: readonly string[], key: FeatureKey, dim: number): Float32Array {
    const out = new Float32Array(shas.length * dim);
    shas.forEach((sha, i) => {
      const row = this.q.get.get(sha, key.extractor, key.version);
      if (!row) throw new Error(`no ${key.extractor} features for image ${sha.slice(0, 12)}… (run qc embed)`);
      if (row.vector.byteLength !== dim * 4) throw new Error(`${key.extractor} features of ${sha.slice(0, 12)}… have ${row.vector.byteLength / 4} values, expected ${dim}`);
      out.set(fromBlob(row.vector), i * dim);
    });
    return out;
  }
}
