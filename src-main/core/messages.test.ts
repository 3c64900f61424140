/**
 * Errors the app shows a curator (the same text reaches the CLI) speak of what was wrong and what to
 * choose, never of command-line flags or commands the app does not have (`--kind`, `qc …`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from './app';
import { QcError } from '../../src-shared/contract/errors';
import { DEV_IMAGES, tempDir, devPhotos } from '../../test-support/fixtures';

const CLI_WORDS = /--[a-z]|\bqc [a-z]/;

async function refusal(p: Promise<unknown>): Promise<QcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof QcError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('errors shown in the app', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a file of no known kind asks to choose its kind, not for --kind', async () => {
    const file = path.join(dir, 'odd.txt');
    fs.writeFileSync(file, 'foo\tbar\n1\t2\n');
    const e = await refusal(core.call('library.import', { source: file }));
    expect(e.message).toMatch(/cannot tell the kind of file.*choose its kind/);
    expect(e.message).not.toMatch(CLI_WORDS);
  });

  it('the kind folder on a file says so without a flag', async () => {
    const file = path.join(dir, 'list.txt');
    fs.writeFileSync(file, 'https://example.org/a.jpg\n');
    const e = await refusal(core.call('library.import', { source: file, kind: 'folder' }));
    expect(e.message).toMatch(/needs a folder/);
    expect(e.message).not.toMatch(CLI_WORDS);
  });

  it('the demo refused in a library with the curator\'s images names no command', async () => {
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    const one = devPhotos()[0]!;
    fs.copyFileSync(path.join(DEV_IMAGES, one), path.join(photos, one));
    expect((await core.call('library.import', { source: photos })).images_new).toBe(1);
    const e = await refusal(core.call('demo.load', { train: false }));
    expect(e.message).toMatch(/empty library/);
    expect(e.message).not.toMatch(CLI_WORDS);
  });
});
