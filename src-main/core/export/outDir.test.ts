/** Every export method refuses an output folder inside the library (whose tmp/ is emptied at each open). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { qcRejection, tempDir } from '../../../test-support/fixtures';

describe('an export folder inside the library', () => {
  const dir = tempDir();
  const lib = path.join(dir, 'lib');
  let core: Core;

  beforeAll(() => {
    core = createCore({ dataDir: lib, ml: 'in-process' });
  });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const inside = () => {
    // A link outside the library to its tmp/: the path names no library folder, the file system does.
    const link = path.join(dir, 'looks-outside');
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(lib, 'tmp'), link);
    return [lib, path.join(lib, 'tmp', 'tags'), path.join(lib, 'originals', 'zz'), path.join(lib, 'new-folder', 'deeper'), path.join(lib, '..x'), path.join(link, 'out')];
  };

  const calls: [string, (outDir: string) => Promise<unknown>][] = [
    ['export.tags', (outDir) => core.call('export.tags', { outDir })],
    ['export.tags of a bundle', (outDir) => core.call('export.tags', { outDir, bundleId: 1 })],
    ['export.training', (outDir) => core.call('export.training', { outDir })],
    ['export.model', (outDir) => core.call('export.model', { outDir })],
    ['export.graphs', (outDir) => core.call('export.graphs', { outDir })],
    ['ml.classify', (outDir) => core.call('ml.classify', { source: path.join(dir, 'bundle.tsv'), outDir })],
    ['ml.classify of a shard', (outDir) => core.call('ml.classify', { source: path.join(dir, 'bundle.tsv'), outDir, shard: { k: 1, n: 2 } })],
  ];

  for (const [name, call] of calls) {
    it(`${name} refuses it with bad_input before writing anything`, async () => {
      for (const outDir of inside()) {
        const e = await qcRejection(call(outDir));
        expect(e.code, outDir).toBe('bad_input');
        expect(e.message, outDir).toMatch(/inside the library folder .*choose a folder outside the library/);
        if (outDir !== lib) expect(fs.existsSync(outDir), outDir).toBe(false);
      }
    });
  }

  it('an export folder beside the library (its name starting with the library’s) is allowed', async () => {
    const out = `${lib}-export`;
    const r = await core.call('export.training', { outDir: out, sample: 1 });
    expect(r.dir).toBe(out);
    expect(fs.existsSync(path.join(out, 'images'))).toBe(true);
  });
});
