/**
 * SIGTERM (`kill`, `timeout`, systemd) and SIGHUP (the terminal closed) stop a long command as
 * Ctrl-C does: the work is cancelled cleanly (the import ends `cancelled`, not left `running` for
 * the next open to settle), what came back is printed marked cancelled, and the exit status is
 * 128 + the signal (143, 129). A real `qc import` whose downloads hang on a local server.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/fixtures';
import { useHangingServer } from '../../test-support/hangingServer';
import { qcNodeArgs } from '../../test-support/qcProcess';

const hanging = useHangingServer('qc-cli-signals-');

/**
 * `qc import` of a bundle whose pictures hang, sent `signal` once its downloads wait. `hangUp`:
 * the reading ends of its stdout and stderr are closed first, as a closed terminal leaves them.
 */
async function signalledImport(name: string, signal: NodeJS.Signals, { hangUp = false } = {}) {
  const bundle = hanging.bundle(name);
  const dataDir = path.join(hanging.dir, name);
  const before = await hanging.connections();
  const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'import', bundle], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  try {
    expect(await hanging.downloadsWaiting(before), err).toBe(true);
    if (hangUp) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    child.kill(signal);
    const end = await exit;
    hanging.server.closeAllConnections();
    // Read as the child left it: opening a core here would settle an import left running.
    const db = new Database(path.join(dataDir, 'library.sqlite'), { readonly: true });
    const imports = db.prepare('SELECT status FROM imports').pluck().all();
    db.close();
    return { ...end, stdout: out, stderr: err, imports };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('qc after SIGTERM or SIGHUP', () => {
  it('SIGTERM cancels the import cleanly: "Cancelled: " and its summary, the import recorded cancelled, exit 143', async () => {
    const r = await signalledImport('term', 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain('qc: SIGTERM: cancelling (SIGTERM again to quit at once)');
    expect(r.stdout).toMatch(/^Cancelled: imported bundle from /);
    expect(r.imports).toEqual(['cancelled']);
  }, 120_000);

  it('SIGHUP with the terminal gone (its pipes closed) still cancels cleanly and exits 129', async () => {
    const r = await signalledImport('hup', 'SIGHUP', { hangUp: true });
    expect(r.code).toBe(129);
    expect(r.signal).toBeNull();
    expect(r.imports).toEqual(['cancelled']);
  }, 120_000);

  it('a second signal quits at once, ended by the signal itself (the shell says 128 + it), not by a process.exit that tears native workers down', async () => {
    // stopSignals.ts quitAtOnce, which withCore and qc serve call on the second signal, in a process
    // of its own (sending two signals to a real qc races the first one's quick cancel).
    const script = `import { quitAtOnce } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/cli/stopSignals.ts'))};
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => quitAtOnce(s));
      setInterval(() => {}, 1000);
      process.stdout.write('ready\\n');`;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      child.kill(signal);
      // Killed by the signal (its default action, our handler removed), not exited with a code.
      expect(await exit, err).toEqual({ code: null, signal });
    }
  }, 60_000);
});
