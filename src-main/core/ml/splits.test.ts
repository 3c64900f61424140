import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src-shared/domain/random';
import { DEV_DIR, DEV_IMAGES } from '../../../test-support/fixtures';
import { LAYOUT_DIM, layoutOfFile } from './features/layout';
import { assignSplits, duplicateGroups, FAMILY_DEFAULTS, familyCap, familyGroups, type Assignment, type SplitItem } from './splits';

/** n unit vectors of dimension dim: `clusters` tight clusters of `size`, then `singles` scattered ones. */
function vectors(clusters: number, size: number, singles: number, dim = 32, seed = 7): { data: Float32Array; dim: number; n: number } {
  const rng = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const rows: number[][] = [];
  for (let c = 0; c < clusters; c++) {
    const centre = Array.from({ length: dim }, gauss);
    for (let m = 0; m < size; m++) rows.push(centre.map((v) => v + 0.15 * gauss()));
  }
  for (let s = 0; s < singles; s++) rows.push(Array.from({ length: dim }, gauss));
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    const norm = Math.hypot(...r);
    r.forEach((v, k) => (data[i * dim + k] = v / norm));
  });
  return { data, dim, n: rows.length };
}

const none = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const members = (g: Int32Array) => {
  const m = new Map<number, number[]>();
  g.forEach((x, i) => m.set(x, [...(m.get(x) ?? []), i]));
  return [...m.values()];
};

describe('familyGroups', () => {
  it("joins each cluster's members into one family, and never builds one past maxSize", () => {
    const v = vectors(10, 5, 20);
    const g = familyGroups(none(v.n), v, { maxSize: FAMILY_DEFAULTS.maxSize });
    for (let c = 0; c < 10; c++) expect(new Set(Array.from({ length: 5 }, (_, m) => g[c * 5 + m])).size, `cluster ${c}`).toBe(1);
    for (const fam of members(g)) expect(fam.length).toBeLessThanOrEqual(FAMILY_DEFAULTS.maxSize);
    // Forty copies of one picture: families of at most 6.
    const same = vectors(1, 40, 0);
    const capped = familyGroups(none(same.n), same, { maxSize: 6 });
    expect(Math.max(...members(capped).map((f) => f.length))).toBeLessThanOrEqual(6);
    expect(members(capped).length).toBeGreaterThanOrEqual(7);
    // By default a family is at most a twentieth of the images (at least 2), and at most 16.
    expect([familyCap(10), familyCap(90), familyCap(302), familyCap(5000)]).toEqual([2, 4, 15, 16]);
    expect(Math.max(...members(familyGroups(none(same.n), same)).map((f) => f.length))).toBeLessThanOrEqual(familyCap(40));
  });

  it('keeps duplicate groups whole, even past maxSize, and links nothing to a zero layout', () => {
    const v = vectors(2, 5, 0);
    const groups = none(v.n);
    for (let i = 0; i < 5; i++) groups[i] = 0; // cluster 0 is one duplicate group
    groups[5] = 0; // and one member of cluster 1 is a duplicate of it too
    const g = familyGroups(groups, v, { maxSize: 3 });
    expect(new Set([0, 1, 2, 3, 4, 5].map((i) => g[i])).size).toBe(1);
    const zero = new Float32Array(v.data);
    zero.fill(0, 7 * v.dim, 8 * v.dim);
    const z = familyGroups(none(v.n), { data: zero, dim: v.dim });
    expect(members(z).find((f) => f.includes(7))).toEqual([7]);
    expect(() => familyGroups(none(3), v)).toThrow(/layouts for 3 items/);
  });

  it('gives the same families for the same input', () => {
    const v = vectors(6, 4, 30, 16, 3);
    expect(Array.from(familyGroups(none(v.n), v))).toEqual(Array.from(familyGroups(none(v.n), v)));
    // Tiny libraries: nothing to join, or one pair.
    expect(Array.from(familyGroups(none(0), { data: new Float32Array(0), dim: v.dim }))).toEqual([]);
    expect(Array.from(familyGroups(none(1), { data: v.data.slice(0, v.dim), dim: v.dim }))).toEqual([0]);
    expect(Array.from(familyGroups(none(2), { data: v.data.slice(0, 2 * v.dim), dim: v.dim }))).toEqual([0, 0]);
  });

  it("keeps most of a dev photo's versions in one family, and the split keeps families whole", async () => {
    const [head, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'truth.tsv'), 'utf8').trim().split('\n');
    const cols = head!.split('\t');
    const truth = lines.map((l) => l.split('\t')).map((c) => ({ id: c[cols.indexOf('id')]!, source: c[cols.indexOf('source_file')]! }));
    const sources = [...new Set(truth.map((t) => t.source))].sort().filter((_, i) => i % 3 === 0);
    const items = truth.filter((t) => sources.includes(t.source));
    const layouts = await Promise.all(items.map((t) => layoutOfFile(path.join(DEV_IMAGES, `${t.id}.jpg`))));
    const data = new Float32Array(items.length * LAYOUT_DIM);
    layouts.forEach((l, i) => data.set(l, i * LAYOUT_DIM));
    const splitItems: SplitItem[] = items.map((t, i) => ({ imageId: i, sha: t.id, label: 0, dhash: null }));
    const pairs = (g: Int32Array) => {
      let same = 0;
      let joined = 0;
      let both = 0;
      for (let a = 0; a < items.length; a++)
        for (let b = a + 1; b < items.length; b++) {
          const s = items[a]!.source === items[b]!.source;
          const j = g[a] === g[b];
          same += +s;
          joined += +j;
          both += +(s && j);
        }
      return { recall: both / same, precision: joined ? both / joined : 1 };
    };
    const families = familyGroups(duplicateGroups(splitItems), { data, dim: LAYOUT_DIM });
    const fam = pairs(families);
    console.log(`families over ${sources.length} dev photos (${items.length} images): ${members(families).length} families; pairs of versions of one photo joined ${fam.recall.toFixed(2)}, joined pairs that are ${fam.precision.toFixed(2)}`);
    // Over the whole dev set: 0.71 and 0.78.
    expect(fam.recall).toBeGreaterThan(0.55);
    expect(fam.precision).toBeGreaterThan(0.6);
    // The split keeps families whole.
    const split = assignSplits(splitItems, families, new Map(), { seed: 1 });
    for (const f of members(families)) expect(new Set(f.map((i) => `${split.get(i)!.split}/${split.get(i)!.fold}`)).size).toBe(1);
  });
});

describe('assignSplits with stored folds', () => {
  /** n items, every third bad; families of `family` consecutive items. */
  const library = (n: number, family: number) => {
    const items: SplitItem[] = Array.from({ length: n }, (_, i) => ({ imageId: i + 1, sha: `sha${i}`, label: i % 3 === 0 ? 1 : 0, dhash: null }));
    return { items, groups: Int32Array.from(items, (_, i) => i - (i % family)) };
  };
  const foldsOf = (a: Map<number, Assignment>) => [...a.values()].filter((x) => x.split !== 'test').map((x) => x.fold);

  it('keeps each image’s split and family but deals the train/validation folds anew when k changes', () => {
    const { items, groups } = library(300, 3);
    const five = assignSplits(items, groups, new Map(), { folds: 5 });
    expect(new Set(foldsOf(five))).toEqual(new Set([0, 1, 2, 3, 4]));
    for (const k of [3, 10, 2]) {
      const again = assignSplits(items, groups, five, { folds: k });
      expect(new Set(foldsOf(again)), `k = ${k}`).toEqual(new Set(Array.from({ length: k }, (_, f) => f)));
      for (const it of items) {
        const [before, after] = [five.get(it.imageId)!, again.get(it.imageId)!];
        expect({ split: after.split, groupId: after.groupId }).toEqual({ split: before.split, groupId: before.groupId });
        if (after.split === 'test') expect(after.fold).toBe(-1);
      }
      // Families whole, and every fold holds about a k-th of each class.
      for (const f of members(groups)) expect(new Set(f.map((i) => again.get(i + 1)!.fold)).size).toBe(1);
      for (const label of [0, 1]) {
        const per = Array.from({ length: k }, (_, f) => items.filter((it) => it.label === label && again.get(it.imageId)!.fold === f).length);
        expect(Math.max(...per) - Math.min(...per), `k = ${k}, class ${label}: ${per}`).toBeLessThanOrEqual(3);
      }
      // Stored at k, they are kept at k, new images joining them.
      const more = library(330, 3);
      const kept = assignSplits(more.items, more.groups, again, { folds: k });
      for (const it of items) expect(kept.get(it.imageId)).toEqual(again.get(it.imageId));
      expect(Math.max(...foldsOf(kept))).toBe(k - 1);
    }
  });

  it('refuses more folds than train/validation groups, naming both', () => {
    const { items, groups } = library(40, 2);
    expect(() => assignSplits(items, groups, new Map(), { folds: 100 })).toThrow(/100 folds need at least 100 groups of train and validation images, and these images form \d+/);
    const five = assignSplits(items, groups, new Map(), { folds: 5 });
    expect(() => assignSplits(items, groups, five, { folds: 30 })).toThrow(expect.objectContaining({ code: 'bad_input' }));
  });
});
