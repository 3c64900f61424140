/**
 * The session token never appears in a process command line (issue 9): `qc serve` opens the
 * browser through a private launch page, so the opener (and the browser it starts) get a file path,
 * not the URL. A fake `xdg-open` on PATH records exactly what it was given.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';

const ENTRY = `
import { Command } from 'commander';
import { registerServeCommand } from './src-main/cli/serve.ts';
import { startServer } from './src-main/server/server.ts';
const program = new Command('qc').option('--data <dir>').option('--json');
registerServeCommand(program, startServer);
await program.parseAsync(JSON.parse(process.env.QC_TEST_ARGV), { from: 'user' });
`;

describe.skipIf(process.platform !== 'linux')('qc serve and the browser opener', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'bin'));
    const opener = path.join(dir, 'bin', 'xdg-open');
    fs.mkdirSync(path.join(dir, 'renderer'));
    fs.writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html>\n');
    fs.writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > "${path.join(dir, 'argv.txt')}"\n`, { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hands the opener a private launch page, never the token', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, QC_TEST_ARGV: JSON.stringify(['--data', path.join(dir, 'data'), 'serve', '--port', '0', '--renderer', path.join(dir, 'renderer')]) },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const argvFile = path.join(dir, 'argv.txt');
      const deadline = Date.now() + 30_000;
      while (!(fs.existsSync(argvFile) && fs.statSync(argvFile).size > 0 && out.includes('\n')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const token = /#token=([\w-]+)/.exec(out)?.[1];
      expect(token, out).toBeTruthy();
      const argv = fs.readFileSync(argvFile, 'utf8').trim().split('\n');
      expect(argv).toHaveLength(1);
      expect(argv[0]).not.toContain(token);
      expect(argv[0]).toMatch(/^file:\/\/.*open\.html$/);
      const page = fileURLToPath(argv[0]!);
      expect(fs.readFileSync(page, 'utf8')).toContain(`#token=${token}`);
      expect(fs.statSync(page).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(page)).mode & 0o777).toBe(0o700);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(fs.existsSync(page)).toBe(false); // removed at shutdown
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
