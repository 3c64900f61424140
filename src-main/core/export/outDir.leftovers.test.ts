/**
 * An export or classify that is refused, fails or is cancelled leaves no folder tree it made for
 * its output folder (outDir.ts withOutDir): the bundle and the run are checked before the folder is
 * made, and what the command made is removed when it wrote nothing there. A folder that was there
 * before, or that holds anything, stays. The real core over a seeded library (a finished run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qcRejection } from '../../../test-support/fixtures';
import { useSeededRun } from '../../../test-support/seedLibrary';
import { missingFolders, withOutDir } from './outDir';

const seeded = useSeededRun('qc-outdir-leftovers-');

/** Aborted just after the call has begun, at its first wait. */
function soon(): AbortSignal {
  const controller = new AbortController();
  setImmediate(() => controller.abort());
  return controller.signal;
}

describe('a failed or cancelled export leaves no folder it made', () => {
  it('export.tags of a bundle that does not exist, or whose import never finished: refused before the folder is made', async () => {
    const top = path.join(seeded.dir, 'ex5');
    let e = await qcRejection(seeded.core.call('export.tags', { outDir: path.join(top, 'deep', 'er'), bundleId: 99 }));
    expect([e.code, e.message]).toEqual(['not_found', 'no bundle with id 99']);
    expect(fs.existsSync(top)).toBe(false);

    const { db } = seeded.core.context;
    const origin = path.join(seeded.dir, 'cut.tsv');
    const bundleId = Number(db.prepare("INSERT INTO bundles (name, origin, columns, format) VALUES ('cut', ?, '[\"eolMediaURL\"]', 'urls')").run(origin).lastInsertRowid);
    db.prepare("INSERT INTO imports (kind, source, status) VALUES ('bundle', ?, 'failed')").run(origin);
    e = await qcRejection(seeded.core.call('export.tags', { outDir: path.join(top, 'cut'), bundleId }));
    expect([e.code, e.message]).toEqual(['bad_input', expect.stringContaining('cut.tsv: no import of this bundle finished')]);
    expect(fs.existsSync(top)).toBe(false);
    // The library's tags into the same folders are written (so the checks above can fail).
    const done = await seeded.core.call('export.tags', { outDir: path.join(top, 'deep', 'er') });
    expect(fs.existsSync(done.files[0]!)).toBe(true);
  });

  it('ml.classify of an input that is not there', async () => {
    const out = path.join(seeded.dir, 'ex6', 'tags');
    const e = await qcRejection(seeded.core.call('ml.classify', { source: path.join(seeded.dir, 'nonexist.tsv'), outDir: out }));
    expect(e.code).toBe('bad_input');
    expect(fs.existsSync(path.join(seeded.dir, 'ex6'))).toBe(false);
  });

  it('export.model and export.training cancelled part way', async () => {
    const model = path.join(seeded.dir, 'mi', 'model');
    expect((await qcRejection(seeded.core.call('export.model', { runId: seeded.runId, outDir: model }, { signal: soon() }))).code).toBe('cancelled');
    expect(fs.existsSync(path.join(seeded.dir, 'mi'))).toBe(false);
    const training = path.join(seeded.dir, 'ti');
    expect((await qcRejection(seeded.core.call('export.training', { outDir: training }, { signal: soon() }))).code).toBe('cancelled');
    expect(fs.existsSync(training)).toBe(false);
    // Uncancelled, both write there.
    expect(fs.existsSync((await seeded.core.call('export.model', { runId: seeded.runId, outDir: model })).card)).toBe(true);
    await seeded.core.call('export.training', { outDir: training });
    expect(fs.readdirSync(training).length).toBeGreaterThan(0);
  }, 60_000);

  it('keeps a folder that was there before, or that holds something', async () => {
    const before = path.join(seeded.dir, 'was-there');
    fs.mkdirSync(before);
    expect((await qcRejection(seeded.core.call('export.model', { runId: seeded.runId, outDir: before }, { signal: soon() }))).code).toBe('cancelled');
    expect(fs.readdirSync(before)).toEqual([]);

    // Made by the command, but something else was put in it meanwhile: it stays, and so do the folders above it.
    const top = path.join(seeded.dir, 'shared-out');
    const out = path.join(top, 'a', 'b');
    expect(missingFolders(out)).toEqual([out, path.join(top, 'a'), top]);
    await expect(
      withOutDir(out, async () => {
        fs.mkdirSync(path.join(out, 'c'), { recursive: true });
        fs.writeFileSync(path.join(top, 'a', 'theirs.txt'), 'x');
        fs.rmdirSync(path.join(out, 'c'));
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.join(top, 'a'))).toEqual(['theirs.txt']);
    expect(fs.existsSync(top)).toBe(true);
    // A file on the path: nothing to make, nothing removed.
    fs.writeFileSync(path.join(seeded.dir, 'a-file'), 'x');
    expect(missingFolders(path.join(seeded.dir, 'a-file', 'x'))).toEqual([]);
  });
});
