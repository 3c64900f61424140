/**
 * A disk that fills while an export writes (ENOSPC from the file system: the writes fail as they
 * would on a full disk) is told against the file where the export goes, never the hidden stage
 * folder it was being written in, and leaves the output folder as it was (audit I7).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { useScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { exportLibrary } from './tags';

describe('an export on a full disk', () => {
  const lib = useScoredBundleLibrary();
  afterEach(() => vi.restoreAllMocks());

  /** From now on, every write to an open file fails as on a full disk. */
  const diskFull = () => {
    const real = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((file, data, opts) => {
      if (typeof file === 'number') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      real(file, data, opts);
    });
  };
  const failure = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(QcError);
    return e as QcError;
  };

  it("names the library's final tags in the output folder, not the stage", async () => {
    const out = path.join(lib.dir, 'full-library');
    await exportLibrary(lib.core.context.db, { runId: lib.run, threshold: 0.7, outDir: out });
    const before = fs.readFileSync(path.join(out, 'library_finaltags.tsv'));
    diskFull();
    const e = await failure(exportLibrary(lib.core.context.db, { runId: lib.run, threshold: 0.7, outDir: out }));
    expect(e.message).toBe(`${path.join(out, 'library_finaltags.tsv')}: cannot write it: the disk is full`);
    vi.restoreAllMocks();
    expect(fs.readdirSync(out)).toEqual(['library_finaltags.tsv']);
    expect(fs.readFileSync(path.join(out, 'library_finaltags.tsv'))).toEqual(before);
  });

  it("names a bundle's tag file in the output folder, not the stage", async () => {
    const file = lib.writeBundle('full.tsv', lib.urls);
    const bundleId = await lib.importBundle(file);
    diskFull();
    const e = await failure(lib.exportTo(bundleId, 'full-bundle'));
    expect(e.message).not.toContain('.qc-export-');
    expect(e.message).toMatch(new RegExp(`^${path.join(lib.dir, 'full-bundle', 'full_')}(a|finaltags)\\.tsv: cannot write it: the disk is full$`));
    vi.restoreAllMocks();
    expect(fs.readdirSync(path.join(lib.dir, 'full-bundle'))).toEqual([]);
  });
});
