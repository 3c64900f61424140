/**
 * The desktop shell's optional methods (native dialogs): the core answers `not_available` (what
 * browser mode and the CLI get), the Electron dispatcher routes them to the shell with checked
 * arguments, over a real core and the same CallSession the IPC uses; the dialog option mapping;
 * where the packaged app finds its resources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import type { ShellApi } from '../../src-shared/contract/shell';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { createCore, type Core } from '../core/app';
import { CallSession } from '../core/session';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { openDialogOptions, saveDialogOptions } from './dialogOptions';
import { withShell, type Dispatcher } from './dispatch';
import { appResources, missingResources } from './resources';

let dir: string;
let core: Core;

beforeAll(() => {
  dir = tempDir('qc-shell-');
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
});
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One call through a CallSession (as over IPC or WebSocket); resolves with its result or error message. */
function callOver(d: Dispatcher, method: string, args: unknown): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const s = new CallSession(d, (m) => {
      if ((m.type === 'result' || m.type === 'error') && m.id === 1) resolve(m);
    });
    s.call({ type: 'call', id: 1, method, args });
  });
}

describe('shell.openDialog / shell.saveDialog', () => {
  it('are not available outside the desktop app', async () => {
    expect(await callOver(core, 'shell.openDialog', { select: 'file' })).toMatchObject({ type: 'error', error: { code: 'not_available', message: expect.stringContaining('desktop app') } });
    await expect(core.call('shell.saveDialog', {})).rejects.toMatchObject({ code: 'not_available' });
  });

  it('go to the shell in the desktop app, with checked arguments; everything else still reaches the core', async () => {
    const shell: HandlersOf<ShellApi> = {
      'shell.openDialog': vi.fn(async () => ({ paths: ['/home/me/ratings.tsv'] })),
      'shell.saveDialog': vi.fn(async () => ({ path: null })),
    };
    const d = withShell(core, shell);
    expect(await callOver(d, 'shell.openDialog', { select: 'file', multiple: true, filters: [{ name: 'TSV', extensions: ['tsv', 'txt'] }] })).toMatchObject({ type: 'result', result: { paths: ['/home/me/ratings.tsv'] } });
    expect(vi.mocked(shell['shell.openDialog']).mock.calls[0]![0]).toEqual({ select: 'file', multiple: true, filters: [{ name: 'TSV', extensions: ['tsv', 'txt'] }] });
    expect(await callOver(d, 'shell.saveDialog', { title: 'Export tags' })).toMatchObject({ type: 'result', result: { path: null } });
    expect(await callOver(d, 'library.status', {})).toMatchObject({ type: 'result', result: { images: 0 } });

    for (const bad of [{ select: 'everything' }, { select: 'file', filters: [{ name: 'x', extensions: ['.tsv'] }] }, { select: 'file', defaultPath: 'a\0b' }, { select: 'file', extra: 1 }]) {
      expect(await callOver(d, 'shell.openDialog', bad), JSON.stringify(bad)).toMatchObject({ type: 'error', error: { code: 'invalid_argument', message: expect.stringMatching(/^shell\.openDialog: /) } });
    }
    expect(shell['shell.openDialog']).toHaveBeenCalledTimes(1);
  });
});

describe('dialog options', () => {
  it('maps the contract onto Electron dialog options', () => {
    expect(openDialogOptions({ select: 'folder', title: 'Export to' }, 'linux')).toEqual({ properties: ['openDirectory', 'createDirectory'], title: 'Export to' });
    expect(openDialogOptions({ select: 'file', multiple: true, filters: [{ name: 'TSV', extensions: ['tsv'] }] }, 'darwin')).toEqual({
      properties: ['openFile', 'multiSelections', 'treatPackageAsDirectory'],
      filters: [{ name: 'TSV', extensions: ['tsv'] }],
    });
    expect(saveDialogOptions({ defaultPath: '/tmp/library_finaltags.tsv' })).toEqual({ properties: ['createDirectory', 'showOverwriteConfirmation'], defaultPath: '/tmp/library_finaltags.tsv' });
  });
});

describe('bundled resources', () => {
  it('come from process.resourcesPath when packaged, from the checkout otherwise', () => {
    expect(appResources({ isPackaged: true, resourcesPath: '/opt/Quality Curator/resources', appPath: '/opt/Quality Curator/resources/app.asar' })).toEqual({
      modelsDir: path.join('/opt/Quality Curator/resources', 'models'),
      demoDir: path.join('/opt/Quality Curator/resources', 'demo'),
    });
    const checkout = path.resolve(import.meta.dirname, '..', '..');
    const r = appResources({ isPackaged: false, resourcesPath: '/electron/resources', appPath: checkout });
    expect(r).toEqual({ modelsDir: path.join(checkout, 'resources', 'models'), demoDir: path.join(checkout, 'resources', 'demo') });
    expect(missingResources(r)).toEqual([]);
    expect(missingResources(appResources({ isPackaged: true, resourcesPath: dir, appPath: dir }))).toHaveLength(4);
  });
});

describe('quitting', () => {
  it('stops running calls, then closes the library with its WAL checkpointed (what main.ts does on will-quit)', async () => {
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos, { recursive: true });
    for (let i = 1; i <= 25; i++) fs.copyFileSync(path.join(DEV_IMAGES, `${9000000 + i}.jpg`), path.join(photos, `${9000000 + i}.jpg`));
    const data = path.join(dir, 'quit-data');
    const c = createCore({ dataDir: data, ml: 'in-process' });
    const seen: ServerMessage[] = [];
    let progressed!: () => void;
    const started = new Promise<void>((r) => (progressed = r));
    const s = new CallSession(c, (m) => {
      seen.push(m);
      if (m.type === 'progress' && m.progress.phase === 'download' && m.progress.done >= 3) progressed();
    });
    s.call({ type: 'call', id: 7, method: 'library.import', args: { source: photos, concurrency: 1 } });
    await started;
    expect(s.inFlight).toBe(1);
    await s.dispose();
    expect(s.inFlight).toBe(0);
    await c.close();
    const wal = path.join(data, 'library.sqlite-wal');
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
    // The library opens again and says the import was cancelled, with what it stored kept.
    const again = createCore({ dataDir: data, ml: 'in-process' });
    try {
      const row = again.context.db.prepare('SELECT status FROM imports ORDER BY id DESC LIMIT 1').get() as { status: string };
      expect(row.status).toBe('cancelled');
      const stored = (await again.call('library.status', {})).images;
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(25);
    } finally {
      await again.close();
    }
  });
});
