/**
 * A bundle none of whose imports finished (its first import killed, failed or cancelled, or still
 * running in another process) holds only the lines read so far: `qc export --bundle` refuses it
 * instead of publishing them as the whole bundle, and exports it once an import of the file has
 * finished. Real library, real imports; the import's end is set as a killed first import leaves it
 * (the kill itself: library/import.bundle.kill.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { qcRejection } from '../../../test-support/fixtures';

describe('exporting a bundle whose import never finished', () => {
  const lib = useScoredBundleLibrary();

  it('is refused, naming the file, while no import of it finished; exported once one has', async () => {
    const file = lib.writeBundle('cut.tsv', lib.urls.slice(0, 4));
    const id = await lib.importBundle(file);
    const { db } = lib.core.context;
    const importId = db.prepare("SELECT id FROM imports WHERE source = ? AND status = 'done'").pluck().get(file) as number;
    const setStatus = (status: string) => db.prepare('UPDATE imports SET status = ? WHERE id = ?').run(status, importId);
    const out = path.join(lib.dir, 'out-cut');

    for (const [status, code] of [['failed', 'bad_input'], ['cancelled', 'bad_input'], ['running', 'conflict']] as const) {
      setStatus(status);
      const e = await qcRejection(lib.exportTo(id, 'out-cut'));
      expect([e.code, e.message]).toEqual([code, expect.stringContaining('cut.tsv')]);
      expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
    }
    setStatus('done');
    const done = await lib.exportTo(id, 'out-cut');
    expect(done.rows).toBe(4);
    // A later import of the file that did not finish leaves the bundle whole (lines replaced in place): still exported.
    db.prepare("INSERT INTO imports (kind, source, status) VALUES ('bundle', ?, 'failed')").run(file);
    expect((await lib.exportTo(id, 'out-cut')).rows).toBe(4);
  });
});
