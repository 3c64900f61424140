/** Closing or quitting while calls run asks first (over a stand-in window). */
import { describe, expect, it, vi } from 'vitest';
import { FakeWindow } from '../../test-support/fakeElectron';
import { QuitGuard, quitQuestion } from './quitGuard';

const settle = () => new Promise((r) => setTimeout(r, 0));
const preventable = () => ({ prevented: false, preventDefault() { this.prevented = true; } });

function setup(answer: boolean) {
  let running = 2;
  const ask = vi.fn(async () => answer);
  const guard = new QuitGuard({ inFlight: () => running, ask });
  const win = new FakeWindow();
  win.on('close', (e: { preventDefault(): void }) => guard.onClose(e, () => win.close()));
  win.on('closed', () => (running = 0)); // the bridge ends the window's calls when it closes
  return { guard, win, ask, setRunning: (n: number) => (running = n) };
}

describe('quit guard', () => {
  it('closing the window while jobs run asks; Keep Working keeps it open', async () => {
    const { win, ask } = setup(false);
    win.close();
    await settle();
    expect(ask).toHaveBeenCalledWith('close', 2);
    expect(win.destroyed).toBe(false);
  });

  it('Stop and Close closes it; the quit that follows (Windows, Linux) does not ask again', async () => {
    const { guard, win, ask } = setup(true);
    win.close();
    await settle();
    expect(win.destroyed).toBe(true);
    const e = preventable();
    guard.onBeforeQuit(e, () => undefined);
    expect(e.prevented).toBe(false);
    expect(ask).toHaveBeenCalledOnce();
  });

  it('Ctrl+Q while jobs run asks; Stop and Quit quits and the windows then close unasked', async () => {
    const { guard, win, ask } = setup(true);
    const quit = vi.fn();
    const e = preventable();
    guard.onBeforeQuit(e, quit);
    expect(e.prevented).toBe(true);
    await settle();
    expect(ask).toHaveBeenCalledWith('quit', 2);
    expect(quit).toHaveBeenCalledOnce();
    guard.onBeforeQuit(preventable(), quit);
    win.close();
    expect(win.destroyed).toBe(true);
    expect(ask).toHaveBeenCalledOnce();
  });

  it('nothing running: no question', async () => {
    const { guard, win, ask, setRunning } = setup(false);
    setRunning(0);
    const e = preventable();
    guard.onBeforeQuit(e, () => undefined);
    win.close();
    expect(e.prevented).toBe(false);
    expect(win.destroyed).toBe(true);
    expect(ask).not.toHaveBeenCalled();
  });

  it('words', () => {
    expect(quitQuestion('quit', 1)).toMatchObject({ message: 'A job is still running', buttons: ['Stop and Quit', 'Keep Working'] });
    expect(quitQuestion('close', 3).message).toBe('3 jobs are still running');
  });
});
