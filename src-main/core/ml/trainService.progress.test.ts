/**
 * What a real training says while it runs: every phase announces itself in order (features,
 * layouts, synthetic copies, the folds' fits, the final model, the evaluation), each progress
 * carries its own phase's words, and no phase's words stay once the next phase has begun (the
 * Train screen showed "reading layouts…" through nine minutes of copies and folds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/contract/events';
import { tempDir } from '../../../test-support/fixtures';
import { miniDemo } from '../../../test-support/seedLibrary';
import { createCore, type Core } from '../app';

/** Each phase's own words, as a curator reads them; a message must match its phase's and no other's. */
const WORDS: Record<string, RegExp> = {
  embed: /features|waiting/,
  layouts: /layouts/,
  augment: /synthetic copies/,
  folds: /fold models/,
  epochs: /final model/,
  evaluate: /evaluating/,
};
const ORDER = ['embed', 'layouts', 'augment', 'folds', 'epochs', 'evaluate'];

describe('training progress', () => {
  let dir: string;
  let demoDir: string;
  let core: Core;

  beforeAll(async () => {
    dir = tempDir();
    demoDir = miniDemo(12);
    core = createCore({ dataDir: path.join(dir, 'data'), demoDir, ml: 'in-process' });
    await core.call('demo.load', { train: false });
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('announces every phase in order, each with its own words, none repeated after the next began', async () => {
    const seen: JobProgress[] = [];
    const run = await core.call('ml.train', { features: ['whole'], hidden: 0, augment: 1, epochs: 4, folds: 3 }, { onProgress: (p) => seen.push({ ...p }) });
    expect(run.status).toBe('done');
    // Every progress names its phase in words, and only its own phase.
    for (const p of seen) {
      expect(p.message, `${p.job}/${p.phase} ${p.done}/${p.total}`).toBeDefined();
      expect(p.message, p.phase).toMatch(WORDS[p.phase]!);
      for (const [other, words] of Object.entries(WORDS)) if (other !== p.phase) expect(p.message, `${p.phase} says ${other}`).not.toMatch(words);
    }
    // The phases, in order, each once: a phase never comes back once a later one began.
    const phases = seen.map((p) => p.phase).filter((ph, i, all) => i === 0 || all[i - 1] !== ph);
    expect(phases).toEqual(ORDER);
    // The folds count fits done up to all of them; the final model starts at epoch 0 and ends at the last.
    const folds = seen.filter((p) => p.phase === 'folds');
    expect(folds[0]).toMatchObject({ done: 0 });
    expect(folds.at(-1)!.done).toBe(folds.at(-1)!.total);
    const epochs = seen.filter((p) => p.phase === 'epochs');
    expect(epochs[0]).toMatchObject({ done: 0, total: 4 });
    expect(epochs.at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(epochs.at(-1)!.message).toMatch(/loss \d/);
  }, 240_000);
});
