import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup from './globalSetup';

const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the test run’s own temp folder', () => {
  it('is where this worker and the processes it starts make their temp files', () => {
    expect(path.basename(os.tmpdir())).toMatch(/^qc-vitest-\d+-/);
    const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("os").tmpdir())'], { encoding: 'utf8' });
    expect(child).toBe(os.tmpdir());
  });

  it('removes the folders of runs whose process is gone, keeps live ones, and its own at the end', () => {
    const base = os.tmpdir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = fs.mkdtempSync(path.join(base, `qc-vitest-${dead}-`));
    fs.writeFileSync(path.join(stale, 'left.txt'), 'x');
    const live = fs.mkdtempSync(path.join(base, `qc-vitest-${process.ppid}-`));
    const teardown = setup();
    const runDir = process.env.TMPDIR!;
    expect(path.dirname(runDir)).toBe(base);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect([process.env.TMP, process.env.TEMP]).toEqual([runDir, runDir]);
    fs.writeFileSync(path.join(runDir, 'made-by-a-test'), 'x');
    teardown();
    expect(fs.existsSync(runDir)).toBe(false);
    fs.rmSync(live, { recursive: true });
  });
});
