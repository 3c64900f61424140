/**
 * A cancelled `qc export-model` or `qc run --graphs` publishes nothing: the call's signal reaches
 * the export (export.model, export.graphs), which checks it before any file goes into the output
 * folder; cancelled before it starts or part way, it answers `cancelled` and leaves the folder as
 * it was. The real core over a seeded library (a finished run on the quality signals).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSeededRun } from '../../test-support/seedLibrary';

const seeded = useSeededRun('qc-cli-export-cancel-');

/** An abort before the call (`at: 'before'`) or just after it has begun, at its first wait. */
function abortSignal(at: 'before' | 'during'): AbortSignal {
  const controller = new AbortController();
  if (at === 'before') controller.abort();
  else setImmediate(() => controller.abort());
  return controller.signal;
}

describe('cancelling an export of a run', () => {
  it('the export as it runs uncancelled writes the model and its card (so the checks below can fail)', async () => {
    const out = path.join(seeded.dir, 'model-ok');
    const r = await seeded.core.call('export.model', { outDir: out, runId: seeded.runId });
    expect(fs.existsSync(r.card)).toBe(true);
    const graphs = await seeded.core.call('export.graphs', { outDir: path.join(seeded.dir, 'graphs-ok'), runId: seeded.runId });
    expect(graphs.files.length).toBeGreaterThan(0);
  }, 60_000);

  for (const at of ['before', 'during'] as const) {
    it(`export.model cancelled ${at}: cancelled, nothing published`, async () => {
      const out = path.join(seeded.dir, `model-${at}`);
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
      await expect(seeded.core.call('export.model', { outDir: out, runId: seeded.runId }, { signal: abortSignal(at) })).rejects.toMatchObject({ code: 'cancelled' });
      expect(fs.readdirSync(out)).toEqual(['notes.txt']);
    }, 60_000);

    it(`export.graphs (qc run --graphs) cancelled ${at}: cancelled, nothing written`, async () => {
      const out = path.join(seeded.dir, `graphs-${at}`);
      await expect(seeded.core.call('export.graphs', { outDir: out, runId: seeded.runId }, { signal: abortSignal(at) })).rejects.toMatchObject({ code: 'cancelled' });
      expect(fs.existsSync(out)).toBe(false);
    }, 60_000);
  }
});
