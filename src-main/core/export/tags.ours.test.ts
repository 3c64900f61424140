/**
 * A tag export replaces or removes only tag files (first line a tag header): a curator's notes or a
 * bundle that merely has a chunk's name is left alone where an older chunk would be removed, and
 * refused (bad_input naming it, nothing changed) where a new file would go; the same for the
 * library's library_finaltags.tsv. Real library, real imports and exports, real files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qcRejection } from '../../../test-support/fixtures';
import { readTsv, useScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { exportLibrary, isTagFile } from './tags';

/** Every file of a folder (not below it) and its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((n) => [n, fs.readFileSync(path.join(dir, n), 'latin1')]));
}

describe('tag exports and files that are not theirs', () => {
  const lib = useScoredBundleLibrary();


  it('tells a tag file by its first line, without following a link', () => {
    const d = path.join(lib.dir, 'kinds');
    fs.mkdirSync(d);
    const put = (n: string, text: string) => (fs.writeFileSync(path.join(d, n), text), path.join(d, n));
    expect(isTagFile(put('tag.tsv', 'eolMediaURL\tidentifier\timclass\tconfidence\nu\t1\tgood\t0.9\n'))).toBe(true);
    expect(isTagFile(put('crlf.tsv', '\uFEFFeolMediaURL\timclass\tconfidence\r\nu\tbad\t0.8\r\n'))).toBe(true);
    const utf16 = (t: string, order: 'le' | 'be') => {
      const le = Buffer.from(`\uFEFF${t}`, 'utf16le');
      return order === 'le' ? le : Buffer.from(le.map((_, i) => le[i ^ 1]!));
    };
    for (const order of ['le', 'be'] as const) {
      fs.writeFileSync(path.join(d, `u16${order}.tsv`), utf16('eolMediaURL\timclass\tconfidence\r\nu\tbad\t0.8\r\n', order));
      expect(isTagFile(path.join(d, `u16${order}.tsv`)), order).toBe(true);
      fs.writeFileSync(path.join(d, `n16${order}.tsv`), utf16('notes\r\neolMediaURL\timclass\tconfidence\r\n', order));
      expect(isTagFile(path.join(d, `n16${order}.tsv`)), order).toBe(false);
    }
    expect(isTagFile(put('notes.tsv', 'my own notes, not a tag file\n'))).toBe(false);
    expect(isTagFile(put('bundle.tsv', 'eolMediaURL\tidentifier\nu\t1\n'))).toBe(false);
    expect(isTagFile(put('empty.tsv', ''))).toBe(false);
    // A tag header on the second line does not make it one.
    expect(isTagFile(put('second.tsv', 'notes\neolMediaURL\timclass\tconfidence\n'))).toBe(false);
    expect(isTagFile(path.join(d, 'absent.tsv'))).toBe(false);
    // A link is never read: it is replaced or removed itself, so what it points to is untouched.
    fs.symlinkSync(path.join(d, 'notes.tsv'), path.join(d, 'link.tsv'));
    expect(isTagFile(path.join(d, 'link.tsv'))).toBe(true);
    if (process.platform !== 'win32') {
      // A FIFO is not a tag file, and asking does not block on it.
      execFileSync('mkfifo', [path.join(d, 'fifo.tsv')]);
      expect(isTagFile(path.join(d, 'fifo.tsv'))).toBe(false);
    }
  });

  it("removes an older export's chunks but leaves a curator's files that share their names", async () => {
    const id = await lib.importBundle(lib.writeBundle('media.tsv', lib.urls));
    const out = path.join(lib.dir, 'out-stale');
    // An older export in six one-row chunks, media_a … media_f.
    expect((await lib.exportTo(id, out, 1)).files.map((f) => path.basename(f))).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `media_${s}.tsv`).concat('media_finaltags.tsv'));
    // The curator replaced two of them with their own files.
    fs.writeFileSync(path.join(out, 'media_b.tsv'), 'my own notes, not a tag file\n');
    fs.writeFileSync(path.join(out, 'media_d.tsv'), 'eolMediaURL\tidentifier\nsecond part of my bundle\tx\n');
    const mine = { b: fs.readFileSync(path.join(out, 'media_b.tsv'), 'utf8'), d: fs.readFileSync(path.join(out, 'media_d.tsv'), 'utf8') };
    const r = await lib.exportTo(id, out);
    expect(r.files.map((f) => path.basename(f))).toEqual(['media_a.tsv', 'media_finaltags.tsv']);
    expect(readTsv(path.join(out, 'media_a.tsv')).rows).toHaveLength(6);
    // The older export's chunks are gone; the curator's two files are as they were.
    expect(fs.readdirSync(out).sort()).toEqual(['media_a.tsv', 'media_b.tsv', 'media_d.tsv', 'media_finaltags.tsv']);
    expect(fs.readFileSync(path.join(out, 'media_b.tsv'), 'utf8')).toBe(mine.b);
    expect(fs.readFileSync(path.join(out, 'media_d.tsv'), 'utf8')).toBe(mine.d);
  });

  it("refuses, changing nothing, when a curator's file has the name of a new chunk or of the final tags", async () => {
    const id = await lib.importBundle(lib.writeBundle('x.tsv', lib.urls.slice(0, 3)));
    for (const name of ['x_a.tsv', 'x_finaltags.tsv']) {
      const out = path.join(lib.dir, `out-refuse-${name}`);
      fs.mkdirSync(out);
      // Another bundle of the curator's (no imclass, confidence) with a row they added.
      fs.writeFileSync(path.join(out, name), `eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\n${lib.urls[4]}\t1\t2\t{}\nrow I added\n`);
      fs.writeFileSync(path.join(out, 'x.tsv'), 'eolMediaURL\n');
      const before = snapshot(out);
      const e = await qcRejection(lib.exportTo(id, out));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain(path.join(out, name));
      expect(e.message).toContain('not a tag file');
      // Nothing published, no stage or temporary left.
      expect(snapshot(out)).toEqual(before);
      // Moved away, the export goes through; exported again, it replaces its own files.
      fs.renameSync(path.join(out, name), path.join(lib.dir, `moved-${name}`));
      await lib.exportTo(id, out);
      const again = await lib.exportTo(id, out);
      expect(again.files.map((f) => path.basename(f))).toEqual(['x_a.tsv', 'x_finaltags.tsv']);
      expect(readTsv(path.join(out, 'x_finaltags.tsv')).rows.map((r) => r.identifier)).toEqual(['x.tsv-0', 'x.tsv-1', 'x.tsv-2']);
    }
  });

  it("qc export never replaces a curator's library_finaltags.tsv, and replaces its own", async () => {
    const out = path.join(lib.dir, 'out-library');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'library_finaltags.tsv'), 'my library notes\n');
    const before = snapshot(out);
    const e = await qcRejection(exportLibrary(lib.core.context.db, { runId: lib.run, threshold: 0.7, outDir: out }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(path.join(out, 'library_finaltags.tsv'));
    expect(snapshot(out)).toEqual(before);
    fs.rmSync(path.join(out, 'library_finaltags.tsv'));
    const first = await exportLibrary(lib.core.context.db, { runId: lib.run, threshold: 0.7, outDir: out });
    const again = await exportLibrary(lib.core.context.db, { runId: lib.run, threshold: 0.7, outDir: out });
    expect(again.rows).toBe(first.rows);
    expect(readTsv(path.join(out, 'library_finaltags.tsv')).rows).toHaveLength(first.rows);
  });

});
