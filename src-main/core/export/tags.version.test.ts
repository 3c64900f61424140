/**
 * `library_finaltags.tsv` carries EOL's `dataObjectVersionID` between identifier and ancestry, as
 * EOL's bundle files and the bundles' tag files order them: for an image, from the bundle row that
 * gives its identifier (never another EOL id's version); for a URL merged from another machine's tag
 * file (the "Classifying on many machines" workflow), from the library's rows of that URL, else the
 * merged row's (url_predictions.data_object_version_id). Empty where unknown. Real library, real
 * bundle imports through a mirror, a real tag-file import, real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL_COLUMNS } from '../../../src-shared/domain/tags';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, insertDoneRun, linesWriter, tempDir } from '../../../test-support/fixtures';
import { exportBundle, exportLibrary } from './tags';

function readTsv(file: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const header = head!.split('\t');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i]!, v]))) };
}

describe('library_finaltags.tsv: dataObjectVersionID', () => {
  let dir: string;
  let core: Core;
  let run: number;
  let dev: string[];
  let first: number;
  const remote = 'https://example.org/x/1.jpg';
  const remoteNoVersion = 'https://example.org/x/2.jpg';

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const { db } = core.context;
    run = insertDoneRun(db);
    dev = devRatings()
      .slice(0, 4)
      .map(([, url]) => url);
    const write = linesWriter(dir);
    const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
    // Bundle a: dev[0] has no version, dev[1] one, dev[2] one but no identifier, dev[3] a blank one.
    const a = write('a.tsv', [
      'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry',
      `${dev[0]}\ta0\t\t{}`,
      `${dev[1]}\ta1\tva1\t{}`,
      `${dev[2]}\t\tva2\t{}`,
      `${dev[3]}\ta3\t  \t{}`,
    ]);
    // Bundle b, imported later, lists the same photos under other EOL media.
    const b = write('b.tsv', ['eolMediaURL\tidentifier\tdataObjectVersionID', `${dev[0]}\tb0\tvb0`, `${dev[1]}\tb1\tvb1`, `${dev[2]}\tb2\tvb2`]);
    first = (await core.call('library.import', { source: a, kind: 'bundle', mirrors })).bundle_id!;
    await core.call('library.import', { source: b, kind: 'bundle', mirrors });
    // Another machine's shard (the audit's repro): EOL's columns with its tags, for URLs not here.
    const shard = write('shard_a.tsv', [
      'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\timclass\tconfidence',
      `${remote}\t111\t1111\t{}\tbad\t0.950000`,
      `${remoteNoVersion}\t222\t\t{}\tgood\t0.700000`,
    ]);
    await core.call('ml.importTags', { files: [shard], runId: run });
    db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) SELECT ?, id, 0.3, 0 FROM images').run(run);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is a column between identifier and ancestry, as in the bundles\' tag files, the others in their order', async () => {
    const r = await exportLibrary(core.context.db, { runId: run, threshold: 0.5, outDir: path.join(dir, 'order') });
    const { header } = readTsv(r.files[0]!);
    expect(header).toEqual(['image_id', 'eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'label', 'label_origin', ...FINAL_COLUMNS]);
    const bundle = await exportBundle(core.context.db, { bundleId: first, runId: run, threshold: 0.5, outDir: path.join(dir, 'bundle') });
    const bundleHeader = readTsv(bundle.files.at(-1)!).header;
    const eol = ['identifier', 'dataObjectVersionID', 'ancestry'];
    expect(header.filter((c) => eol.includes(c))).toEqual(bundleHeader.filter((c) => eol.includes(c)));
  });

  it("fills it from the row that gives an image's identifier, and a merged URL's from its tag file", async () => {
    const r = await exportLibrary(core.context.db, { runId: run, threshold: 0.5, outDir: path.join(dir, 'rows'), chunkRows: 2 });
    const byUrl = new Map(readTsv(r.files[0]!).rows.map((x) => [x.eolMediaURL!, x]));
    const cells = (u: string) => ({ identifier: byUrl.get(u)?.identifier, dataObjectVersionID: byUrl.get(u)?.dataObjectVersionID });
    // The first bundle's identifier; its row has no version, so none (not b0's).
    expect(cells(dev[0]!)).toEqual({ identifier: 'a0', dataObjectVersionID: '' });
    expect(cells(dev[1]!)).toEqual({ identifier: 'a1', dataObjectVersionID: 'va1' });
    // No identifier in the first bundle: the second's, with its version.
    expect(cells(dev[2]!)).toEqual({ identifier: 'b2', dataObjectVersionID: 'vb2' });
    // A blank cell is no version.
    expect(cells(dev[3]!)).toEqual({ identifier: 'a3', dataObjectVersionID: '' });
    // Merged from the shard's tag file, no image here.
    expect(byUrl.get(remote)).toMatchObject({ image_id: '', identifier: '111', dataObjectVersionID: '1111', imclass: 'bad', p_bad: '0.950000' });
    expect(cells(remoteNoVersion)).toEqual({ identifier: '222', dataObjectVersionID: '' });
  });

  it("prefers the library's rows of a merged URL, as for its identifier", async () => {
    const { db } = core.context;
    const url = `${DEV_URL_PREFIX}no-such-photo-here.jpg`; // under the mirror's prefix, not in it: its download fails
    const write = linesWriter(dir);
    await core.call('ml.importTags', { files: [write('shard_b.tsv', ['eolMediaURL\tidentifier\tdataObjectVersionID\timclass\tconfidence', `${url}\t333\tfromtags\tbad\t0.900000`])], runId: run });
    // The library lists that URL in a bundle whose download fails here.
    const c = write('c.tsv', ['eolMediaURL\tidentifier\tdataObjectVersionID', `${url}\t333\tfrombundle`]);
    expect((await core.call('library.import', { source: c, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] })).failed).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM image_urls WHERE url = ?').pluck().get(url)).toBe(0);
    const r = await exportLibrary(db, { runId: run, threshold: 0.5, outDir: path.join(dir, 'prefer') });
    expect(readTsv(r.files[0]!).rows.find((x) => x.eolMediaURL === url)).toMatchObject({ identifier: '333', dataObjectVersionID: 'frombundle' });
  }, 30_000);
});
