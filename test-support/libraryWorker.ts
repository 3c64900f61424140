/**
 * One process working on a shared library, for the concurrency tests: labels images, imports a
 * ratings file or changes the label rule, as told by QC_WORKER (JSON). Prints one JSON line with
 * what it did and every error it met (there should be none).
 */
import { createCore } from '../src-main/core/app';
import { mulberry32 } from '../src-shared/domain/random';

interface Job {
  dataDir: string;
  role: 'label' | 'import' | 'rule';
  seed: number;
  ids?: number[];
  calls?: number;
  list?: string;
  mirror?: { prefix: string; dir: string };
}

const job = JSON.parse(process.env.QC_WORKER ?? '{}') as Job;
const core = createCore({ dataDir: job.dataDir, ml: 'in-process' });
const rand = mulberry32(job.seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const errors: string[] = [];
const batches: { batch_id: number | null; changed: [number, string | null][] }[] = [];
let calls = 0;

async function main(): Promise<void> {
  if (job.role === 'label') {
    for (let i = 0; i < (job.calls ?? 30); i++) {
      const ids = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(job.ids!));
      try {
        calls++;
        const r = rand() < 0.15 ? await core.call('labels.undo', {}) : await core.call('labels.set', { imageIds: ids, label: pick(['good', 'bad', null] as const) });
        batches.push({ batch_id: r.batch_id, changed: r.changed.map((c) => [c.image_id, c.new_label]) });
      } catch (e) {
        errors.push(String(e));
      }
    }
  } else if (job.role === 'import') {
    try {
      calls++;
      const s = await core.call('library.import', { source: job.list!, mirrors: [job.mirror!], concurrency: 4 });
      if (s.failed) errors.push(`${s.failed} failed: ${JSON.stringify(s.failures_by_reason)}`);
    } catch (e) {
      errors.push(String(e));
    }
  } else {
    const rules = [
      { bad: [1], good: [4, 5], exemplar: 'good' },
      { bad: [1, 2], good: [4, 5], exemplar: 'good' },
      { bad: [1, 2, 3], good: [5], exemplar: 'good' },
    ] as const;
    for (let i = 0; i < (job.calls ?? 10); i++) {
      try {
        calls++;
        await core.call('labels.setRule', { rule: { ...pick(rules), bad: [...pick(rules).bad], good: [...pick(rules).good] } });
      } catch (e) {
        errors.push(String(e));
      }
      await new Promise((r) => setTimeout(r, 20 + rand() * 60));
    }
  }
}

main()
  .catch((e: unknown) => errors.push(`fatal: ${String(e)}`))
  .finally(async () => {
    await core.close();
    process.stdout.write(`${JSON.stringify({ role: job.role, calls, errors, batches })}\n`);
  });
