/**
 * Whose progress the scoring is: export.tags scores the pictures the run has not scored yet and
 * tells that as part of its own job (`export score`), never as a `classify` the curator did not
 * start (qc export printed `classify score [...]`, the app's bar was labelled "classify progress");
 * ml.classify's scoring stays `classify`. Real parts: a trained library, the importer, the backbone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/contract/events';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, type Core } from '../app';

let dir: string;
let core: Core;
let ids: Set<string>;
const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

beforeAll(async () => {
  dir = tempDir('qc-classify-progress-');
  const lib = path.join(dir, 'lib');
  ({ ids } = await trainedDevLibrary(lib, 20));
  core = createCore({ dataDir: lib, ml: 'in-process' });
}, 300_000);

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function list(name: string, from: number, to: number): string {
  const file = path.join(dir, name);
  const urls = devRatings()
    .filter(([id]) => !ids.has(id))
    .slice(from, to)
    .map(([, url]) => url);
  fs.writeFileSync(file, ['eolMediaURL', ...urls].join('\n') + '\n');
  return file;
}

describe('the scoring phase of a call', () => {
  it('is told as the call\'s own job: export for export.tags, classify for ml.classify', async () => {
    // Imported without scoring, then exported: the export scores them.
    const imported = await core.call('library.import', { source: list('plain.txt', 0, 3), mirrors });
    expect(imported.bundle_id).not.toBeNull();
    const exporting: JobProgress[] = [];
    const exported = await core.call('export.tags', { bundleId: imported.bundle_id!, outDir: path.join(dir, 'out-export') }, { onProgress: (p) => exporting.push(p) });
    expect(exported.rows).toBe(3);
    const scoring = exporting.filter((p) => p.phase === 'score');
    expect(scoring.length).toBeGreaterThan(0);
    expect(new Set(scoring.map((p) => p.job))).toEqual(new Set(['export']));
    expect(scoring.at(-1)).toMatchObject({ done: 3, total: 3 });

    const classifying: JobProgress[] = [];
    const classified = await core.call('ml.classify', { source: list('new.txt', 3, 6), mirrors, outDir: path.join(dir, 'out-classify') }, { onProgress: (p) => classifying.push(p) });
    expect(classified.scored).toBe(3);
    const scored = classifying.filter((p) => p.phase === 'score');
    expect(scored.length).toBeGreaterThan(0);
    expect(new Set(scored.map((p) => p.job))).toEqual(new Set(['classify']));
    // The new pictures embedded after the last download are told as classify's own embed phase, to
    // the last of them, between the downloads and the scoring (not a silent "download 3 / 3").
    const embedding = classifying.filter((p) => p.job === 'classify' && p.phase === 'embed');
    expect(embedding.length).toBeGreaterThan(0);
    expect(embedding.at(-1)).toMatchObject({ done: 3, total: 3 });
    const at = (p: JobProgress) => classifying.indexOf(p);
    expect(at(embedding[0]!)).toBeGreaterThan(classifying.findLastIndex((p) => p.phase === 'download'));
    expect(at(embedding.at(-1)!)).toBeLessThan(at(scored[0]!));
  }, 300_000);

  it('a cancel while the last pictures are embedded leaves the bar where it was, not at N / N (wave audit 7)', async () => {
    const stop = new AbortController();
    const seen: JobProgress[] = [];
    let at = -1;
    const call = core.call('ml.classify', { source: list('cancel.txt', 6, 12), mirrors, outDir: path.join(dir, 'out-cancel') }, {
      signal: stop.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.job === 'classify' && p.phase === 'embed' && at < 0) {
          at = seen.length;
          stop.abort();
        }
      },
    });
    await expect(call).rejects.toThrow();
    expect(at).toBeGreaterThan(0);
    const first = seen[at - 1]!;
    expect(first.done).toBeLessThan(first.total);
    // Nothing told after the cancel claims more pictures embedded.
    expect(seen.slice(at).filter((p) => p.phase === 'embed' && p.done > first.done)).toEqual([]);
  }, 300_000);
});
