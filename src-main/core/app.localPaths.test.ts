/**
 * Every API argument that is a local path must be absolute by the rule of the platform the core
 * runs on: `C:/x`, `C:\x` and `\\server\share` look absolute but are relative on Linux and macOS,
 * where Node would read and write them under the folder the app or `qc serve` was started in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Method } from '../../src-shared/contract/handlers';
import { tempDir } from '../../test-support/fixtures';
import { seedLibrary, type SeededLibrary } from '../../test-support/seedLibrary';

/** Each path-taking method with `p` in each of its local-path arguments, and the argument's name. */
function callsWith(p: string, real: { list: string; out: string }): [Method, unknown, string][] {
  const mirrors = (dir: string) => [{ prefix: 'https://content.eol.org/', dir }];
  return [
    ['library.import', { source: p }, 'source'],
    ['library.import', { source: real.list, mirrors: mirrors(p) }, 'mirrors[0].dir'],
    ['library.retryFailed', { mirrors: mirrors(p) }, 'mirrors[0].dir'],
    ['ml.train', { groups: { file: p, groupColumn: 'g' } }, 'groups.file'],
    ['ml.classify', { source: p, outDir: real.out }, 'source'],
    ['ml.classify', { source: real.list, outDir: p }, 'outDir'],
    ['ml.classify', { source: real.list, outDir: real.out, mirrors: mirrors(p) }, 'mirrors[0].dir'],
    ['ml.importTags', { files: [p] }, 'files[0]'],
    ['export.tags', { outDir: p }, 'outDir'],
    ['export.training', { outDir: p }, 'outDir'],
    ['export.model', { outDir: p }, 'outDir'],
    ['export.graphs', { outDir: p }, 'outDir'],
  ];
}

const WINDOWS = ['C:/list.txt', 'C:\\exports\\train', 'c:/x', '\\\\server\\share\\out'];
const RELATIVE = ['list.txt', './out', '../out', 'exports/train'];

describe.skipIf(process.platform === 'win32')('local paths through core.call (POSIX)', () => {
  let lib: SeededLibrary;
  let base: string;
  let real: { list: string; out: string };
  const started = process.cwd();

  beforeAll(() => {
    lib = seedLibrary({ images: 40 });
    // The core's working folder is a temp folder's cwd/ (so ../out stays inside the temp folder):
    // nothing may appear in either.
    base = tempDir('qc-cwd-');
    const cwd = path.join(base, 'cwd');
    fs.mkdirSync(cwd);
    process.chdir(cwd);
    const here = tempDir('qc-paths-');
    real = { list: path.join(here, 'list.tsv'), out: path.join(here, 'out') };
    fs.writeFileSync(real.list, 'url\n');
    // Lists where C:/list.txt and list.txt would be read from were they taken as relative.
    fs.mkdirSync(path.join(cwd, 'C:'));
    for (const list of [path.join(cwd, 'C:', 'list.txt'), path.join(cwd, 'list.txt')]) fs.writeFileSync(list, 'https://content.eol.org/x.jpg\t5\n');
  });
  afterAll(async () => {
    process.chdir(started);
    await lib?.core.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const listing = () => fs.readdirSync(base, { recursive: true }).map(String).sort();

  it('refuses a Windows-shaped or relative path in every path argument with invalid_argument naming it, before any read or write', async () => {
    const before = listing();
    const sources = lib.core.context.db.prepare('SELECT COUNT(*) AS n FROM imports').get() as { n: number } | undefined;
    for (const p of [...WINDOWS, ...RELATIVE]) {
      for (const [method, args, field] of callsWith(p, real)) {
        const err = await lib.core.call(method, args as never).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${method} ${field}=${p}`).toMatchObject({ code: 'invalid_argument' });
        const message = (err as Error).message;
        expect(message, `${method} ${field}=${p}`).toContain(`${method}: ${field}: must be`);
        expect(message).toMatch(/absolute path/);
        if (WINDOWS.includes(p)) expect(message, p).toMatch(/absolute only on Windows/);
      }
    }
    expect(listing()).toEqual(before);
    expect(lib.core.context.db.prepare('SELECT COUNT(*) AS n FROM imports').get()).toEqual(sources);
  });

  it('still takes a POSIX absolute path', async () => {
    const out = path.join(real.out, 'tags');
    await lib.core.call('export.tags', { outDir: out });
    expect(fs.readdirSync(out).length).toBeGreaterThan(0);
    expect(listing()).toEqual(['cwd', path.join('cwd', 'C:'), path.join('cwd', 'C:', 'list.txt'), path.join('cwd', 'list.txt')]);
  });
});
