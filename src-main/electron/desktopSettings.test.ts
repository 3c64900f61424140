/** The desktop settings file: what is not a small regular file is read as no settings, at once. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadDesktopSettings, MAX_SETTINGS_BYTES } from './desktopSettings';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-desktop-settings-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const valid = JSON.stringify({ libraryDir: path.join(dir, 'lib') });

describe('loading desktop.json', () => {
  it.skipIf(process.platform === 'win32')('a FIFO is no settings, read without waiting for a writer', async () => {
    const fifo = path.join(dir, 'fifo.json');
    spawnSyncOk('mkfifo', [fifo]);
    // A writer that comes only after a while: a blocking read would wait for it and get its settings.
    const writer = spawn('sh', ['-c', `sleep 2; printf '%s' '${valid}' > "${fifo}"`], { stdio: 'ignore' });
    children.push(writer);
    const t0 = performance.now();
    expect(await loadDesktopSettings(fifo)).toEqual({});
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it.skipIf(!fs.existsSync('/dev/zero'))('a link to a device is no settings', async () => {
    const link = path.join(dir, 'zero.json');
    fs.symlinkSync('/dev/zero', link);
    expect(await loadDesktopSettings(link)).toEqual({});
  });

  it('a file over the limit is no settings, however valid; one under it is read', async () => {
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, valid.replace('{', `{"pad": "${' '.repeat(MAX_SETTINGS_BYTES)}",`));
    expect(JSON.parse(fs.readFileSync(big, 'utf8')).libraryDir).toBe(path.join(dir, 'lib'));
    expect(await loadDesktopSettings(big)).toEqual({});
    const small = path.join(dir, 'small.json');
    fs.writeFileSync(small, valid);
    expect(await loadDesktopSettings(small)).toEqual({ libraryDir: path.join(dir, 'lib') });
  });
});

function spawnSyncOk(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} failed`);
}
