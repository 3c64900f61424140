/**
 * Tag files' names: writable on every OS (no query string, no character Windows forbids, never
 * hidden), and two bundles whose URLs differ only in the query never share their files.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoredBundleLibrary, type ScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { fuzzParams } from '../../../test-support/fuzz';
import type { Core } from '../app';
import { exportBundle, tagFileBase } from './tags';

const WINDOWS_FORBIDDEN = /[<>:"/\\|?*\x00-\x1f]/; // eslint-disable-line no-control-regex

describe("a bundle's tag files", () => {
  let dir: string;
  let core: Core;
  let run: number;
  let urls: string[];

  let lib: ScoredBundleLibrary | undefined;

  beforeAll(async () => {
    lib = await scoredBundleLibrary();
    ({ dir, core, run, urls } = lib);
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
  });

  const importBundle = (file: string) => lib!.importBundle(file);

  it('names tag files portably: no query or Windows-forbidden character in the name, and two URLs differing only in the query give two sets of files', async () => {
    const file = path.join(dir, 'plain.tsv');
    fs.writeFileSync(file, ['eolMediaURL\tidentifier', ...urls.map((u, i) => `${u}\t${i}`)].join('\n') + '\n');
    const bundleId = await importBundle(file);
    const named = [
      'http://h.example/list.php?bundle=aves',
      'http://h.example/list.php?bundle=insecta',
      'http://127.0.0.1:8766/resource/abc/download?format=tsv&name=x:y',
    ];
    const out = path.join(dir, 'by-url');
    const written: string[] = [];
    for (const name of named) {
      core.context.db.prepare('UPDATE bundles SET name = ?, origin = ? WHERE id = ?').run(name, name, bundleId); // tag files are named from the origin
      written.push(...(await exportBundle(core.context.db, { bundleId, runId: run, threshold: 0.7, outDir: out })).files.map((f) => path.basename(f)));
    }
    expect(fs.readdirSync(out).sort()).toEqual([...written].sort());
    expect(written).toHaveLength(6);
    for (const n of written) expect(n).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(written[1]).toMatch(/^list-[0-9a-f]{8}_finaltags\.tsv$/);
    expect(written[3]).toMatch(/^list-[0-9a-f]{8}_finaltags\.tsv$/);
    expect(written[1]).not.toBe(written[3]);
    expect(written[5]).toMatch(/^download-[0-9a-f]{8}_finaltags\.tsv$/);
  });

  it('tagFileBase: plain names unchanged, anything else safe on Windows, never hidden, and distinct', () => {
    expect(tagFileBase('/data/media.tsv')).toBe('media');
    expect(tagFileBase('/data/x.shard-2-of-8.tsv')).toBe('x.shard-2-of-8');
    expect(tagFileBase('https://h.example/exports/media_2024.tsv')).toBe('media_2024');
    expect(tagFileBase('https://h.example/exports/media_2024.tsv#frag')).toBe('media_2024');
    // A URL's name is read as its file is named: percent escapes decoded (a malformed one kept), then made portable.
    expect(tagFileBase('https://h.example/dl/%C3%BCber%20file.tsv')).toBe('über file');
    expect(tagFileBase('https://h.example/dl/100%25.tsv')).toBe('100%');
    expect(tagFileBase('https://h.example/dl/bad%E0%A4%A.tsv')).toBe('bad%E0%A4%A');
    expect(tagFileBase('https://h.example/dl/a%2Fb.tsv')).not.toContain('/');
    const odd = ['/d/a:b.tsv', '/d/a?b.tsv', '/d/CON.tsv', '/d/nul', '/d/.hidden.tsv', '/d/.tsv', '/d/x. .tsv', 'https://h.example/', `/d/${'é'.repeat(300)}.tsv`, 'https://h.example/a/list.php?b=1', 'https://h.example/a/list.php?b=2', '/d/a<b>|c*"d.tsv'];
    const bases = odd.map(tagFileBase);
    expect(new Set(bases).size).toBe(odd.length);
    for (const b of bases) {
      expect(b).not.toMatch(WINDOWS_FORBIDDEN);
      expect(b).not.toMatch(/^\.|[. ]$/);
      expect(b).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
      expect(Buffer.byteLength(`${b}_finaltags.tsv`)).toBeLessThanOrEqual(255);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 20 }), (name, query) => {
        const a = tagFileBase(`https://h.example/${encodeURI(name)}?q=${encodeURIComponent(query)}`);
        const b = tagFileBase(`/d/${name}`);
        for (const base of [a, b]) expect(base).toMatch(/^[^<>:"/\\|?*\x00-\x1f.](.*[^. ])?$/); // eslint-disable-line no-control-regex
      }),
      fuzzParams(200),
    );
  });
});
