/** A page process that goes away offers Reload or Quit (over a stand-in webContents); a clean exit does nothing. */
import { describe, expect, it, vi } from 'vitest';
import { FakeWebContents } from '../../test-support/fakeElectron';
import { goneText, watchRendererGone } from './rendererGone';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('renderer process gone', () => {
  it('a crash asks, and Reload reloads the page', async () => {
    const contents = new FakeWebContents();
    const ask = vi.fn(async () => true);
    const quit = vi.fn();
    watchRendererGone(contents, { ask, quit });
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    await settle();
    expect(ask).toHaveBeenCalledWith({ reason: 'crashed', exitCode: 11 });
    expect(contents.reloads).toBe(1);
    expect(quit).not.toHaveBeenCalled();
  });

  it('Quit quits; a window gone meanwhile is not reloaded; a clean exit is not a crash', async () => {
    const contents = new FakeWebContents();
    let answer = false;
    const quit = vi.fn();
    watchRendererGone(contents, { ask: async () => answer, quit });
    contents.emit('render-process-gone', {}, { reason: 'oom' });
    await settle();
    expect(quit).toHaveBeenCalledOnce();
    expect(contents.reloads).toBe(0);
    answer = true;
    contents.destroyed = true;
    contents.emit('render-process-gone', {}, { reason: 'killed' });
    await settle();
    expect(contents.reloads).toBe(0);
    contents.destroyed = false;
    contents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    await settle();
    expect(contents.reloads).toBe(0);
    expect(quit).toHaveBeenCalledOnce();
  });

  it('says why in words', () => {
    expect(goneText({ reason: 'oom' })).toMatch(/ran out of memory/);
    expect(goneText({ reason: 'crashed', exitCode: 139 })).toMatch(/crashed \(exit code 139\)/);
    expect(goneText({ reason: 'something-new' })).toMatch(/stopped \(something-new\)/);
  });
});
