/** portableName: names from untrusted ids are legal, visible and unique on Linux, macOS and Windows. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FolderNames, MAX_NAME_BYTES, folderKey, isDeviceName, portableExt, portableStem } from './portableName';

const HOSTILE = ['.hidden', '..', '.', '', ' ', ' . ', 'ABC', 'abc', 'Abc', 'CON', 'nul', 'Com1', 'LPT9.tar', 'aux ', 'CONIN$', 'com¹', 'a.', 'a..', 'a. .', 'a ', '-rf', 'x/y', '..\\..\\z', 'a:b', 'q"uote', 'p|i*p?e<>', 'tab\there', 'nl\nz', 'nul\0byte', 'bidi\u202Egpj.exe', 'café', 'cafe\u0301', 'CAFÉ', 'Straße', 'STRASSE', 'ﬁle', 'file', '\uD800lone', '😀'.repeat(80), 'é'.repeat(300), 'x'.repeat(400), 'abc-2', 'abc-2'];

function checkName(name: string, ext = '.jpg'): void {
  const e = portableExt(ext);
  expect(name.endsWith(e), name).toBe(true);
  const stem = name.slice(0, name.length - e.length);
  expect(name.startsWith('.'), name).toBe(false);
  expect(name.startsWith(' '), name).toBe(false);
  expect(name, name).not.toMatch(/[<>:"/\\|?*\p{C}]/u);
  expect(isDeviceName(name), name).toBe(false);
  expect(stem, name).not.toMatch(/[. ]$/);
  expect(name, name).not.toMatch(/[. ]$/);
  expect(Buffer.byteLength(name, 'utf8'), name).toBeLessThanOrEqual(MAX_NAME_BYTES);
  expect(name.normalize('NFC'), name).toBe(name);
  expect(stem.length, name).toBeGreaterThan(0);
}

function claimAll(ids: readonly (string | null)[], ext = '.jpg'): string[] {
  const names = new FolderNames();
  return ids.map((id, i) => names.claim(id, ext, `sha${i}`));
}

describe('portableName', () => {
  it('makes the audit’s hostile ids legal, visible and unique under case folding and NFC/NFD', () => {
    const names = claimAll(HOSTILE);
    for (const n of names) checkName(n);
    const keys = names.map(folderKey);
    expect(new Set(keys).size).toBe(names.length);
    expect(new Set(names.map((n) => n.normalize('NFD').toLowerCase())).size).toBe(names.length);
    expect(new Set(names.map((n) => n.toUpperCase())).size).toBe(names.length);
    expect(names.slice(0, 14)).toEqual(['_hidden.jpg', 'sha1.jpg', 'sha2.jpg', 'sha3.jpg', 'sha4.jpg', 'sha5.jpg', 'ABC.jpg', 'abc-2.jpg', 'Abc-3.jpg', '_CON.jpg', '_nul.jpg', '_Com1.jpg', '_LPT9.tar.jpg', '_aux.jpg']);
    expect(names).toContain('a.jpg');
    expect(names).toContain('café.jpg');
    expect(names).toContain('cafe\u0301'.normalize('NFC') + '-2.jpg');
  });

  it('keeps a plain id as it is', () => {
    expect(claimAll(['9000001', 'a-b_c.d', 'Quercus robur'])).toEqual(['9000001.jpg', 'a-b_c.d.jpg', 'Quercus robur.jpg']);
    expect(portableStem('  .x')).toBe('_x');
  });

  it('property: any ids give legal names, unique in a folder as macOS and Windows compare them, the same on every run', () => {
    const id = fc.oneof(
      { arbitrary: fc.constantFrom(...HOSTILE), weight: 2 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 120 }), weight: 3 },
      { arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }), weight: 1 },
      { arbitrary: fc.constantFrom('.', ' ', 'a', 'A', 'é', 'e\u0301', ':', 'c', 'o', 'n', 'N', '-', '2').chain((c) => fc.array(fc.constantFrom(c, '.', 'a', 'N', '-', '2'), { maxLength: 8 }).map((cs) => cs.join(''))), weight: 2 },
      { arbitrary: fc.constant(null), weight: 1 },
    );
    const ext = fc.constantFrom('.jpg', '.png', '.JPEG', '', '.a b', '.tar.gz');
    fc.assert(
      fc.property(fc.array(id, { maxLength: 30 }), ext, (ids, e) => {
        const names = claimAll(ids, e);
        for (const n of names) checkName(n, e);
        expect(new Set(names.map(folderKey)).size).toBe(names.length);
        expect(new Set(names.map((n) => n.normalize('NFD').toLowerCase())).size).toBe(names.length);
        expect(new Set(names.map((n) => n.normalize('NFC').toUpperCase())).size).toBe(names.length);
        expect(claimAll(ids, e)).toEqual(names);
      }),
      { numRuns: 400 },
    );
  });
});
