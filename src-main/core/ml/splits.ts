/**
 * Duplicate-aware, stratified, deterministic splits of the labelled images.
 *
 * Near-identical images (re-encodes and resizes: a perceptual hash within a few bits; the same
 * content: whole-image embeddings with cosine ≥ 0.95; or an explicit group such as the source photo)
 * form one duplicate group; duplicate groups whose pictures share a layout form a family
 * (familyGroups: a photo's cropped, re-exposed or damaged versions), and a family always falls on one
 * side. Assignments are stored: an image keeps its split in later runs, new images join their
 * family's split or go where their class is most short.
 */
import { QcError } from '../../../src-shared/contract/errors';
import { hashBytes, hammingBytes, isInformative } from './dhash';
import type { Neighbours } from './dots';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_FRACTIONS: Record<SplitName, number> = { train: 0.7, validation: 0.1, test: 0.2 };
export const DEFAULT_FOLDS = 5;

export interface SplitItem {
  imageId: number;
  sha: string;
  /** 1 = bad, 0 = good. */
  label: 0 | 1;
  dhash: string | null;
  /** An explicit group key (e.g. the source photo) that overrides similarity. */
  groupKey?: string | null;
}

export interface Assignment {
  groupId: number;
  split: SplitName;
  /** 0..k-1 for train and validation images, -1 for test. */
  fold: number;
}

export interface GroupOptions {
  maxHamming?: number;
  minCosine?: number;
  /** Unit-length whole-image embeddings, one per item (row-major), for the cosine test. */
  embeddings?: { data: Float32Array; dim: number } | null;
  /**
   * The pairs (a < b, flattened) whose embeddings pass the cosine test, found already
   * (dots.ts pairsAtLeast: the same pairs, fast): used instead of testing every pair here.
   */
  embeddingPairs?: Int32Array;
}

/** duplicateGroups' cosine for "the same content" by whole-image embedding. */
export const DUPLICATE_MIN_COSINE = 0.95;

/**
 * The dot of rows `a` and `b` of `data`: a double-precision sum over the components in order. The
 * one definition of the products the grouping decides on, here and in dots.ts (which reproduces
 * these loops fast and must agree with them to the last bit).
 */
export function exactDot(data: Float32Array, dim: number, a: number, b: number): number {
  const oa = a * dim;
  const ob = b * dim;
  let dot = 0;
  for (let t = 0; t < dim; t++) dot += data[oa + t]! * data[ob + t]!;
  return dot;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Group index (the smallest member index) for every item. O(n²) pair tests over 64-bit hashes
 * (informative ones: dhash.ts isInformative) and embeddings.
 */
export function duplicateGroups(items: readonly SplitItem[], opts: GroupOptions = {}): Int32Array {
  const maxHamming = opts.maxHamming ?? 6;
  const minCosine = opts.minCosine ?? DUPLICATE_MIN_COSINE;
  const uf = new UnionFind(items.length);
  const byKey = new Map<string, number>();
  items.forEach((it, i) => {
    if (!it.groupKey) return;
    const first = byKey.get(it.groupKey);
    if (first === undefined) byKey.set(it.groupKey, i);
    else uf.union(first, i);
  });
  // A flat or smoothly shaded picture's hash says nothing of which picture it is: it links nothing.
  // The others as bytes, read once (dhash.ts hamming would parse both hex strings at every pair).
  const hashes = items.map((it) => (it.dhash && isInformative(it.dhash) ? hashBytes(it.dhash) : null));
  const emb = opts.embeddingPairs ? null : opts.embeddings;
  for (let a = 0; a < items.length; a++) {
    const ha = hashes[a];
    for (let b = a + 1; b < items.length; b++) {
      const hb = hashes[b];
      if (ha && hb && hammingBytes(ha, hb) <= maxHamming) {
        uf.union(a, b);
        continue;
      }
      if (emb && exactDot(emb.data, emb.dim, a, b) >= minCosine) uf.union(a, b);
    }
  }
  // Union is order-free: the groups (each item's smallest fellow) are the same found here or before.
  const pairs = opts.embeddingPairs;
  if (pairs) for (let p = 0; p < pairs.length; p += 2) uf.union(pairs[p]!, pairs[p + 1]!);
  return Int32Array.from(items, (_, i) => uf.find(i));
}

export interface FamilyOptions {
  /** Mutual nearest neighbours considered per image. */
  k?: number;
  /** The largest family layout links may build (duplicate groups larger than this stay as they are). Default: familyCap(n). */
  maxSize?: number;
  /**
   * Each item's nearest by layout, found already (dots.ts nearestByDot over {@link flatLayouts}'
   * skip, k = {@link familyNeighbours}' k: the same neighbours, fast): used instead of testing every pair here.
   */
  neighbours?: Neighbours;
}

/** Defaults of familyGroups: measured on the dev set (docs/ML-EXPERIMENTS.md, tenth stop). */
export const FAMILY_DEFAULTS = { k: 4, maxSize: 16 } as const;

/**
 * The largest family among n images: 16, and never more than a twentieth of them (at least 2), so
 * that a small library can still be split into folds and a test split that hold both classes.
 */
export function familyCap(n: number): number {
  return Math.min(FAMILY_DEFAULTS.maxSize, Math.max(2, Math.floor(n / 20)));
}

/** How many nearest neighbours by layout familyGroups considers per item among n: k (FAMILY_DEFAULTS.k), at most n − 1. */
export function familyNeighbours(n: number, k: number = FAMILY_DEFAULTS.k): number {
  return Math.max(0, Math.min(k, n - 1));
}

/** Items whose layout is flat (or could not be read: zeros): they link to nothing. */
export function flatLayouts(layout: { data: Float32Array; dim: number }): Uint8Array {
  const { data, dim } = layout;
  return Uint8Array.from({ length: data.length / dim }, (_, i) => (data.subarray(i * dim, (i + 1) * dim).some((v) => v !== 0) ? 0 : 1));
}

/**
 * Each item's k nearest by layout dot, in double precision over every pair (ties to the lower
 * index; flat layouts neither searched nor found): the reference that dots.ts nearestByDot
 * reproduces fast. O(n² · dim).
 */
export function layoutNeighbours(layout: { data: Float32Array; dim: number }, kk: number): Neighbours {
  const { data, dim } = layout;
  const n = data.length / dim;
  // Each item's k nearest by dot product (ties to the lower index), in a small sorted list.
  const near = new Int32Array(n * kk).fill(-1);
  const nearS = new Float64Array(n * kk).fill(-Infinity);
  const flat = flatLayouts(layout);
  if (!kk) return { k: kk, near, score: nearS };
  for (let a = 0; a < n; a++) {
    if (flat[a]) continue;
    for (let b = a + 1; b < n; b++) {
      if (flat[b]) continue;
      const dot = exactDot(data, dim, a, b);
      for (const [i, j] of [[a, b], [b, a]] as const) {
        const base = i * kk;
        if (dot <= nearS[base + kk - 1]!) continue;
        let p = kk - 1;
        while (p > 0 && dot > nearS[base + p - 1]!) {
          nearS[base + p] = nearS[base + p - 1]!;
          near[base + p] = near[base + p - 1]!;
          p--;
        }
        nearS[base + p] = dot;
        near[base + p] = j;
      }
    }
  }
  return { k: kk, near, score: nearS };
}

/**
 * Families: duplicate groups (`groups`, from duplicateGroups) joined where two images are each
 * among the other's k nearest by layout (features/layout.ts: unit-length vectors, one per item),
 * strongest links first, never past `maxSize` images a family (familyCap). Versions of one photo that were
 * cropped, resized, re-exposed or damaged are rarely duplicates by hash or embedding, but their
 * layouts are each other's nearest; out-of-fold scores whose folds split such versions are sure of a
 * photo the model has in effect seen, and a threshold proven on them promises more than it keeps
 * on new photos. Mutual neighbours, not a similarity cut: nearness by layout means little across a
 * library (photos of a horizon are alike), but a photo's versions are nearer to each other than
 * to anything else. O(n² · dim).
 */
export function familyGroups(groups: Int32Array /* duplicateGroups' output: an item index per item */, layout: { data: Float32Array; dim: number }, opts: FamilyOptions = {}): Int32Array {
  const n = groups.length;
  const maxSize = opts.maxSize ?? familyCap(n);
  if (layout.data.length !== n * layout.dim) throw new Error(`familyGroups: ${layout.data.length / layout.dim} layouts for ${n} items`);
  const uf = new UnionFind(n);
  groups.forEach((g, i) => uf.union(g, i));
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) size[uf.find(i)]! += 1;
  const { k: kk, near, score: nearS } = opts.neighbours ?? layoutNeighbours(layout, familyNeighbours(n, opts.k));
  if (near.length !== n * kk) throw new Error(`familyGroups: neighbours of ${near.length / kk} items for ${n}`);
  const isNear = (i: number, j: number) => {
    for (let p = 0; p < kk; p++) if (near[i * kk + p] === j) return true;
    return false;
  };
  const links: { a: number; b: number; s: number }[] = [];
  for (let a = 0; a < n; a++)
    for (let p = 0; p < kk; p++) {
      const b = near[a * kk + p]!;
      if (b > a && isNear(b, a)) links.push({ a, b, s: nearS[a * kk + p]! });
    }
  links.sort((x, y) => y.s - x.s || x.a - y.a || x.b - y.b);
  for (const { a, b } of links) {
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb || size[ra]! + size[rb]! > maxSize) continue;
    const total = size[ra]! + size[rb]!;
    uf.union(ra, rb);
    size[uf.find(ra)] = total;
  }
  return Int32Array.from(groups, (_, i) => uf.find(i));
}

/** A stable pseudo-random order key for a string under a seed (FNV-1a). */
function orderKey(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Assign every item a split and fold. `existing` assignments (by image id) are kept; a new item in
 * a group with an assigned member joins that member's split; other new groups are placed, in a
 * seeded order, where their classes are furthest below the target fractions.
 *
 * Folds follow `opts.folds` (k): when the stored folds were dealt for another k (a run trained with
 * `--folds`), every image keeps its split and its family, and the train/validation families are
 * dealt anew over k folds (stratified, each family whole: {@link dealFolds}). Fewer train/validation
 * groups than k folds is refused (a `bad_input` QcError), before any training.
 */
export function assignSplits(
  items: readonly SplitItem[],
  groups: Int32Array,
  existing: ReadonlyMap<number, Assignment>,
  opts: { seed?: number; folds?: number; fractions?: Record<SplitName, number> } = {},
): Map<number, Assignment> {
  const seed = opts.seed ?? 1;
  const k = opts.folds ?? DEFAULT_FOLDS;
  const fractions = opts.fractions ?? SPLIT_FRACTIONS;
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));

  const totals = [0, 0];
  items.forEach((it) => totals[it.label]!++);
  const splitCount: Record<SplitName, [number, number]> = { train: [0, 0], validation: [0, 0], test: [0, 0] };
  const foldCount = Array.from({ length: k }, () => [0, 0] as [number, number]);
  const out = new Map<number, Assignment>();

  // The k the stored folds were dealt for: one more than the highest fold they use.
  let storedFolds = 0;
  for (const it of items) {
    const a = existing.get(it.imageId);
    if (a && a.split !== 'test') storedFolds = Math.max(storedFolds, a.fold + 1);
  }
  const redeal = storedFolds > 0 && storedFolds !== k;

  const record = (i: number, a: Assignment) => {
    out.set(items[i]!.imageId, a);
    splitCount[a.split][items[i]!.label]++;
    if (a.fold >= 0 && a.fold < k) foldCount[a.fold]![items[i]!.label]++;
  };

  const pending: number[][] = [];
  for (const idx of members.values()) {
    const known = idx.map((i) => existing.get(items[i]!.imageId)).find((a) => a !== undefined);
    if (!known) {
      pending.push(idx);
      continue;
    }
    for (const i of idx) {
      const own = existing.get(items[i]!.imageId);
      record(i, own ?? { groupId: known.groupId, split: known.split, fold: known.fold });
    }
  }

  pending.sort((a, b) => orderKey(items[a[0]!]!.sha, seed) - orderKey(items[b[0]!]!.sha, seed));
  const deficit = (have: [number, number], target: number, cls: [number, number]) =>
    cls[0] * (target * totals[0]! - have[0]) + cls[1] * (target * totals[1]! - have[1]);
  for (const idx of pending) {
    const cls: [number, number] = [0, 0];
    idx.forEach((i) => cls[items[i]!.label]++);
    const split = (Object.keys(fractions) as SplitName[]).reduce((best, s) =>
      deficit(splitCount[s], fractions[s], cls) > deficit(splitCount[best], fractions[best], cls) ? s : best,
    );
    let fold = -1;
    if (split !== 'test') {
      const share = (1 - fractions.test) / k;
      fold = foldCount.reduce((best, f, j) => (deficit(f, share, cls) > deficit(foldCount[best]!, share, cls) ? j : best), 0);
    }
    const groupId = Math.min(...idx.map((i) => items[i]!.imageId));
    idx.forEach((i) => record(i, { groupId, split, fold }));
  }
  const trainGroups = new Set([...out.values()].filter((a) => a.split !== 'test').map((a) => a.groupId)).size;
  if (trainGroups < k) throw tooFewGroups(k, trainGroups);
  if (redeal) {
    const fold = dealFolds(items, groups, out, k, seed);
    items.forEach((it, i) => {
      const a = out.get(it.imageId)!;
      if (a.split !== 'test') out.set(it.imageId, { ...a, fold: fold[i]! });
    });
  }
  return out;
}

/**
 * The most train/validation groups assignSplits can make of these items (its refusal of more folds,
 * told before any work): the stored train/validation groups, plus one for every item without a
 * stored assignment (items sharing a group key count once). Stored test items never train.
 */
export function trainGroupsAtMost(items: readonly Pick<SplitItem, 'imageId' | 'groupKey'>[], existing: ReadonlyMap<number, Assignment>): number {
  const groups = new Set<string>();
  for (const it of items) {
    const a = existing.get(it.imageId);
    if (a) {
      if (a.split !== 'test') groups.add(`stored ${a.groupId}`);
    } else groups.add(it.groupKey ? `key ${it.groupKey}` : `image ${it.imageId}`);
  }
  return groups.size;
}

/** The refusal of more folds than train/validation groups (assignSplits, and ml.train before a run exists). */
export function tooFewGroups(k: number, groups: number, atMost = false): QcError {
  return new QcError(
    'bad_input',
    `${k} folds need at least ${k} groups of train and validation images, and these images form ${atMost ? 'at most ' : ''}${groups} (versions and near-duplicates of one picture are kept in one group): label more distinct pictures, or train with fewer folds`,
  );
}

/**
 * Folds 0..k-1 for the train/validation items of an assignment (-1 for test items), dealt anew:
 * items of one family (`groups`) or one stored group stay in one fold; families are placed largest
 * first (ties in a seeded order) in the fold that holds fewest of their classes, so each fold gets
 * about a k-th of each class.
 */
function dealFolds(items: readonly SplitItem[], groups: Int32Array, assignment: ReadonlyMap<number, Assignment>, k: number, seed: number): Int32Array {
  const uf = new UnionFind(items.length);
  const firstOfGroup = new Map<number, number>();
  const trainVal: number[] = [];
  items.forEach((it, i) => {
    const a = assignment.get(it.imageId)!;
    if (a.split === 'test') return;
    trainVal.push(i);
    uf.union(i, groups[i]!);
    const first = firstOfGroup.get(a.groupId);
    if (first === undefined) firstOfGroup.set(a.groupId, i);
    else uf.union(first, i);
  });
  const units = new Map<number, number[]>();
  for (const i of trainVal) {
    const r = uf.find(i);
    units.set(r, [...(units.get(r) ?? []), i]);
  }
  const order = [...units.values()]
    .sort((a, b) => orderKey(items[a[0]!]!.sha, seed) - orderKey(items[b[0]!]!.sha, seed))
    .sort((a, b) => b.length - a.length);
  const count = Array.from({ length: k }, () => [0, 0]);
  const fold = new Int32Array(items.length).fill(-1);
  for (const unit of order) {
    const cls = [0, 0];
    unit.forEach((i) => cls[items[i]!.label]!++);
    // The fold that holds fewest of this family's classes (weighted by how many it brings); on ties
    // the smaller fold, then the first.
    let best = 0;
    let bestLoad = Infinity;
    let bestSize = Infinity;
    count.forEach((c, f) => {
      const load = cls[0]! * c[0]! + cls[1]! * c[1]!;
      const size = c[0]! + c[1]!;
      if (load < bestLoad || (load === bestLoad && size < bestSize)) [best, bestLoad, bestSize] = [f, load, size];
    });
    count[best]![0]! += cls[0]!;
    count[best]![1]! += cls[1]!;
    unit.forEach((i) => (fold[i] = best));
  }
  return fold;
}
