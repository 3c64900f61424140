/** Bad option values (issue 9): one clear line on stderr naming the option, exit code 2, no stack. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';

function qc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', tempDir(), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('qc option values', () => {
  it('are checked by the API schemas: one line naming the option, never a stack', async () => {
    const cases: [string[], RegExp][] = [
      [['import', 'list.txt', '--retries', 'abc'], /^qc: --retries: expected a number, got "abc"$/],
      [['import', 'list.txt', '--retries', '-1'], /^qc: --retries: must be at least 0, got "-1"$/],
      [['import', 'list.txt', '--concurrency', '0x8'], /^qc: --concurrency: expected a number, got "0x8"$/],
      [['import', 'list.txt', '--timeout', '1.5'], /^qc: --timeout: must be a whole number, got "1\.5"$/],
      [['threshold', '[0.5]'], /^qc: threshold: expected a number/],
      [['label', '1', '2x', '--as', 'bad'], /^qc: image id: expected a number, got "2x"$/],
    ];
    const results = await Promise.all(cases.map(([args]) => qc(args)));
    results.forEach((r, i) => {
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(cases[i]![1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    });
  }, 60_000);
});
