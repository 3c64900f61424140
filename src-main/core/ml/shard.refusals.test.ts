/**
 * A sharded classify refuses a bundle path that is missing or a folder as the unsharded import
 * does: the same code, words and file (it said `not_found` with no file for a missing path, and
 * other words for a folder). Real core on an empty library, the importer's own refusal compared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { tempDir } from '../../../test-support/fixtures';
import { createCore, type Core } from '../app';
import { writeShardBundle } from './shard';

let dir: string;
let core: Core;

beforeAll(() => {
  dir = tempDir('qc-shard-refusals-');
  core = createCore({ dataDir: path.join(dir, 'lib') });
});

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(QcError);
  const { code, message, file, line } = e as QcError;
  return { code, message, file, line };
};

describe('writeShardBundle refuses a bundle path as the import does', () => {
  it.each([
    ['missing', () => path.join(dir, 'nowhere', 'bundle.tsv')],
    ['a folder', () => fs.mkdtempSync(path.join(dir, 'folder-'))],
  ])('%s', async (_what, make) => {
    const source = make();
    const out = path.join(dir, 'out');
    const imported = await refusal(core.call('library.import', { source, kind: 'bundle' }));
    expect(imported).toMatchObject({ code: 'bad_input', file: source });
    expect(await refusal(writeShardBundle(source, { k: 1, n: 2 }, out))).toEqual(imported);
    expect(fs.existsSync(out)).toBe(false);
  });
});
