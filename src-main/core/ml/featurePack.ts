/**
 * A feature pack: the cached feature vectors (and perceptual hashes) of a fixed set of pictures,
 * shipped beside a library so that its first run skips the embedding. The demo library carries one
 * (resources/demo/features.bin.gz, written by `npx tsx scripts/build-demo-features.ts`): embedding
 * its 302 photos with every feature set is most of what `demo.load` costs.
 *
 * Vectors are keyed exactly like the feature cache (picture sha256, extractor, preprocessing
 * version), so a pack made by older feature code is simply not used for the keys whose version
 * changed: those are embedded as usual. demo.test.ts checks that the shipped pack equals what the
 * code computes now.
 *
 * Layout (gzip): "QCFPACK1", a uint32 LE byte length, a JSON header { keys: [{extractor, version,
 * dim}], images: [{sha256, dhash}] }, then for each key in order the float32 LE vectors of every
 * image in order. Written by hand: it is ours, and small.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { QcError } from '../../../src-shared/contract/errors';
import type { Db } from '../db/open';
import { FeatureStore, type FeatureKey } from './featureStore';

const MAGIC = 'QCFPACK1';

export interface PackKey extends FeatureKey {
  dim: number;
}

export interface FeaturePack {
  keys: PackKey[];
  images: { sha256: string; dhash: string | null }[];
  /** Per key: images.length × dim values, row-major. */
  vectors: Float32Array[];
}

export function encodeFeaturePack(pack: FeaturePack): Buffer {
  pack.keys.forEach((k, i) => {
    if (pack.vectors[i]?.length !== pack.images.length * k.dim) throw new Error(`feature pack: ${k.extractor} has ${pack.vectors[i]?.length} values for ${pack.images.length} × ${k.dim}`);
  });
  const header = Buffer.from(JSON.stringify({ keys: pack.keys, images: pack.images }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const bodies = pack.vectors.map((v) => {
    const b = Buffer.alloc(v.length * 4);
    for (let i = 0; i < v.length; i++) b.writeFloatLE(v[i]!, i * 4);
    return b;
  });
  return zlib.gzipSync(Buffer.concat([Buffer.from(MAGIC, 'latin1'), len, header, ...bodies]), { level: 9 });
}

export function decodeFeaturePack(data: Buffer, file = 'feature pack'): FeaturePack {
  const bad = (reason: string) => new QcError('bad_input', `${file}: not a usable feature pack (${reason})`, { file });
  let raw: Buffer;
  try {
    raw = zlib.gunzipSync(data);
  } catch {
    throw bad('not gzip');
  }
  if (raw.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw bad('wrong magic');
  if (raw.length < MAGIC.length + 4) throw bad('truncated');
  const headerLength = raw.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + headerLength;
  if (start > raw.length) throw bad('truncated header');
  let header: { keys: PackKey[]; images: { sha256: string; dhash: string | null }[] };
  try {
    header = JSON.parse(raw.subarray(MAGIC.length + 4, start).toString('utf8')) as typeof header;
  } catch {
    throw bad('header is not JSON');
  }
  const { keys, images } = header;
  if (!Array.isArray(keys) || !Array.isArray(images)) throw bad('header lacks keys or images');
  for (const k of keys) if (typeof k.extractor !== 'string' || typeof k.version !== 'string' || !Number.isInteger(k.dim) || k.dim <= 0) throw bad('a key is malformed');
  for (const im of images) if (typeof im.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(im.sha256)) throw bad('an image hash is malformed');
  const expected = keys.reduce((n, k) => n + k.dim * images.length * 4, 0);
  if (raw.length - start !== expected) throw bad(`${raw.length - start} bytes of vectors, expected ${expected}`);
  let at = start;
  const vectors = keys.map((k) => {
    const v = new Float32Array(k.dim * images.length);
    for (let i = 0; i < v.length; i++, at += 4) v[i] = raw.readFloatLE(at);
    return v;
  });
  return { keys, images, vectors };
}

/**
 * Store the pack's vectors for the pictures the library has, for the keys asked for (the current
 * code's extractors and versions; other keys are ignored), never overwriting a cached vector, and
 * the perceptual hashes of images that lack one. Returns what it stored.
 */
export function loadFeaturePack(db: Db, file: string, wanted: readonly FeatureKey[]): { images: number; vectors: number; keys: string[] } {
  const pack = decodeFeaturePack(fs.readFileSync(file), file);
  const store = new FeatureStore(db);
  const have = new Set((db.prepare('SELECT sha256 FROM images').pluck().all() as string[]));
  const usable = pack.keys.flatMap((k, i) => (wanted.some((w) => w.extractor === k.extractor && w.version === k.version) ? [i] : []));
  const setHash = db.prepare<[string, string]>('UPDATE images SET dhash = ? WHERE sha256 = ? AND dhash IS NULL');
  let vectors = 0;
  const images = new Set<string>();
  // IMMEDIATE: it reads (is the vector cached?) before it writes; a deferred transaction would fail
  // at once with "database is locked" when another process writes meanwhile.
  db.transaction(() => {
    pack.images.forEach((im, row) => {
      if (!have.has(im.sha256)) return;
      images.add(im.sha256);
      if (im.dhash) setHash.run(im.dhash, im.sha256);
      for (const i of usable) {
        const k = pack.keys[i]!;
        if (store.has(im.sha256, k)) continue;
        store.put(im.sha256, k, pack.vectors[i]!.subarray(row * k.dim, (row + 1) * k.dim));
        vectors++;
      }
    });
  }).immediate();
  return { images: images.size, vectors, keys: usable.map((i) => `${pack.keys[i]!.extractor}@${pack.keys[i]!.version}`) };
}

/** A pack of the library's cached vectors under `keys` for the given pictures (each must have them all). */
export function collectFeaturePack(db: Db, shas: readonly string[], keys: readonly FeatureKey[]): FeaturePack {
  const store = new FeatureStore(db);
  const dhashOf = new Map((db.prepare('SELECT sha256, dhash FROM images').all() as { sha256: string; dhash: string | null }[]).map((r) => [r.sha256, r.dhash]));
  const packKeys = keys.map((k) => {
    const v = shas.length ? store.get(shas[0]!, k) : null;
    if (!v) throw new Error(`feature pack: no ${k.extractor} features cached for ${shas[0]?.slice(0, 12)}…`);
    return { ...k, dim: v.length };
  });
  return {
    keys: packKeys,
    images: shas.map((sha) => ({ sha256: sha, dhash: dhashOf.get(sha) ?? null })),
    vectors: packKeys.map((k) => store.matrix(shas, k, k.dim)),
  };
}
