/**
 * Two exports of the library's final tags into one folder at the same time: the second is refused
 * while the first writes ("another export is writing into this folder", the words and the check
 * export-training uses: training.ts refuseLiveExport), instead of both succeeding and the last
 * rename winning. A real `qc export` paused while it writes (test-support/exportPause.child.ts) and
 * the core's export in this process; then two exports in this process, the second started from
 * the first's progress.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { startNode } from '../../../test-support/killChild';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { exportLibrary, LIBRARY_FILE } from './tags';

const CHILD = path.join(REPO_ROOT, 'test-support/exportPause.child.ts');
/** The refusal, naming the writer's stage and its process on this machine (the pid varies). */
const REFUSED = expect.stringMatching(/^another export is writing into this folder \(\.qc-export-\S+, process \d+ of this machine\); wait for it or choose another folder$/);

describe('two exports of the library into one folder at the same time', () => {
  const dir = tempDir('qc-export-twice-');
  const lib = seedLibrary({ images: 8, runs: 1 });
  const { db, paths } = lib.core.context;
  afterAll(async () => {
    await lib.core.close();
    for (const d of [dir, lib.dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const exportInto = (outDir: string, more: Partial<Parameters<typeof exportLibrary>[1]> = {}) =>
    exportLibrary(db, { runId: lib.runId, threshold: 0.5, outDir, owners: paths.owners, ...more });
  const until = async (what: () => boolean, ms = 60_000) => {
    for (const end = Date.now() + ms; !what(); ) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('a real qc export writing: the export here is refused, leaves nothing, and the qc export then finishes whole', async () => {
    const out = path.join(dir, 'cli');
    const ready = path.join(dir, 'ready');
    const go = path.join(dir, 'go');
    const child = startNode([CHILD, ready, go, '--', '--data', lib.dataDir, 'export', '--out', out, '--threshold', '0.5', '--json']);
    try {
      await until(() => fs.existsSync(ready) || !child.alive());
      expect(child.alive(), child.stderr()).toBe(true);
      const before = fs.readdirSync(out);
      await expect(exportInto(out)).rejects.toMatchObject({ code: 'bad_input', message: REFUSED, file: out });
      expect(fs.readdirSync(out)).toEqual(before); // its own stage removed, the other's left
      // Another folder is not this one's business.
      await expect(exportInto(path.join(dir, 'elsewhere'))).resolves.toMatchObject({ rows: 8 });
    } finally {
      fs.writeFileSync(go, '');
    }
    const ended = await child.exited;
    expect(ended, child.stderr()).toEqual({ code: 0, signal: null });
    expect(JSON.parse(child.stdout())).toMatchObject({ rows: 8 });
    expect(fs.readFileSync(path.join(out, LIBRARY_FILE), 'utf8').trimEnd().split('\n')).toHaveLength(9);
    expect(fs.readdirSync(out)).toEqual([LIBRARY_FILE]);
    // Nothing writes there now: the next export goes through.
    await expect(exportInto(out)).resolves.toMatchObject({ rows: 8 });
  }, 120_000);

  it("a stage another machine's export left names itself and what to do, not only 'wait for it'", async () => {
    const out = path.join(dir, 'shared');
    // Another boot (or container) wrote it: its pid proves nothing here, so it looks live for an hour.
    const name = '.qc-export-4242_777.00000000000000000000000000000000.4026531836-abcdefabcdef';
    fs.mkdirSync(path.join(out, name), { recursive: true });
    fs.writeFileSync(path.join(out, name, `${LIBRARY_FILE}.tmp-4242_777.00000000000000000000000000000000.4026531836-abcdefabcdef`), 'x');
    await expect(exportInto(out)).rejects.toMatchObject({
      code: 'bad_input',
      file: out,
      message: `another export is writing into this folder (${name}, process 4242 of another machine or container); wait for it or choose another folder; if that export has ended, remove ${name} (a leftover of another machine is cleared once left untouched for 1 hour)`,
    });
    fs.rmSync(path.join(out, name), { recursive: true });
    await expect(exportInto(out)).resolves.toMatchObject({ rows: 8 });
  });

  it('in one process: the second, started while the first writes, is refused; the first finishes', async () => {
    const out = path.join(dir, 'core');
    let second: Promise<unknown> | null = null;
    const first = await exportInto(out, { chunkRows: 1, onChunk: (rows) => void (rows === 2 && (second = exportInto(out).catch((e: unknown) => e))) });
    expect(first).toMatchObject({ rows: 8 });
    expect(await second).toMatchObject({ code: 'bad_input', message: REFUSED });
    expect(fs.readdirSync(out)).toEqual([LIBRARY_FILE]);
  });
});
