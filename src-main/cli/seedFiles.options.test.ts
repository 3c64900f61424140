/**
 * The seed-file commands' numbers are checked by the API's schemas (options.ts `numberOption`), as
 * every other command's: a bad value is one line naming the option, exit code 2 (a real `qc` process).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../src-shared/contract/schemas';
import { tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

let dir: string;

function qc(...args: string[]) {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', path.join(dir, 'data'), ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('qc export-training, export-model, features and archive: numbers by the API schemas', () => {
  beforeAll(() => {
    dir = tempDir('qc-seed-options-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a value the schema refuses is one line naming the option, as every other command\'s', () => {
    // Just past the API's own limit: the CLI took it and the core refused it under another name.
    const sampleMax = API_SCHEMAS['export.training'].shape.sample.unwrap().maxValue!;
    expect(sampleMax).toBeLessThan(200_000_000);
    const cases: [string[], string, string][] = [
      [['export-training', 'out', '--sample', '200000000'], '--sample', '200000000'],
      [['export-training', 'out', '--sample', String(sampleMax + 1)], '--sample', String(sampleMax + 1)],
      [['export-training', 'out', '--sample', '0'], '--sample', '0'],
      [['export-training', 'out', '--sample', '0x10'], '--sample', '0x10'],
      [['export-training', 'out', '--seed', '-1'], '--seed', '-1'],
      [['export-training', 'out', '--seed', '1.5'], '--seed', '1.5'],
      [['export-model', '0', 'out'], 'run-id', '0'],
      [['features', 'a.jpg', '--run', '0'], '--run', '0'],
      [['archive', '2', 'x'], 'run-id', 'x'],
    ];
    for (const [args, option, given] of cases) {
      const r = qc(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines[0], args.join(' ')).toMatch(new RegExp(`^qc: ${option}: .*, got "${given.replace('.', '\\.')}"$`));
      expect(lines.length).toBeLessThanOrEqual(2);
    }
  }, 120_000);
});
