/**
 * Another process that labels a library as fast as it can (LabelService.set, the app's labelling),
 * for the tests that prove a write beside it never fails with "database is locked".
 */
import path from 'node:path';
import { REPO_ROOT } from './fixtures';
import { startScript } from './killChild';

export interface LabellingProcess {
  /** True until the process has exited. */
  running(): boolean;
  /** Its exit code and how many label calls it made. */
  exited: Promise<{ code: number | null; labelled: number; out: string }>;
}

/** Starts labelling images 1..images of the library database `dbFile` for `ms`; resolves once it labels. */
export async function startLabelling(dbFile: string, images: number, ms: number): Promise<LabellingProcess> {
  const child = startScript(`
    import { openDatabase } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/db/open.ts'))};
    import { LabelService } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/labels/labels.ts'))};
    const labels = new LabelService(openDatabase(${JSON.stringify(dbFile)}));
    process.stdout.write('ready\\n');
    const until = Date.now() + ${ms};
    let n = 0;
    while (Date.now() < until) {
      labels.set([1 + (n % ${images})], n % 2 ? 'good' : 'bad');
      n++;
      await new Promise((r) => setImmediate(r));
    }
    process.stdout.write(n + '\\n');
  `);
  const exited = child.exited.then(({ code }) => ({ code, labelled: Number(child.stdout().trim().split('\n').pop()), out: child.stdout() + child.stderr() }));
  await child.firstLine().catch(() => undefined); // 'ready', or it has exited
  return { running: child.alive, exited };
}

/**
 * Runs `write` again and again (yielding between calls) for as long as another process labels the
 * library (startLabelling), and says how that went: the errors `write` threw, how many calls it
 * made, and the labeller's exit. The callers expect no error at all.
 */
export async function writeBesideLabelling(dbFile: string, images: number, ms: number, write: () => unknown): Promise<{ calls: number; errors: string[]; code: number | null; labelled: number; out: string }> {
  const other = await startLabelling(dbFile, images, ms);
  let calls = 0;
  const errors: string[] = [];
  while (other.running()) {
    try {
      await write();
    } catch (e) {
      errors.push((e as Error).message);
    }
    calls++;
    await new Promise((r) => setImmediate(r));
  }
  return { calls, errors, ...(await other.exited) };
}

