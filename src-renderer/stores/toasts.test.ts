import { afterEach, describe, expect, test, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { QcError } from '../../src-shared/contract/errors';
import type { ApiClient } from '../api/client';
import { toastSlice, type ToastSlice } from './toasts';
import type { AppState } from './types';

type State = ToastSlice & { connection: AppState['connection'] };

function store() {
  return createStore<State>()((set, get) => ({
    connection: 'open',
    ...toastSlice(set as never, get as never, {} as ApiClient),
  }));
}

afterEach(() => vi.useRealTimers());

describe('toasts', () => {
  test('errors expire, the same message does not stack, and at most three show', () => {
    vi.useFakeTimers();
    const s = store();
    for (let i = 0; i < 5; i++) s.getState().reportError(new QcError('bad_input', 'mirror folder does not exist: /x'));
    expect(s.getState().toasts).toHaveLength(1);
    for (let i = 0; i < 5; i++) s.getState().toast('error', `problem ${i}`);
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['problem 2', 'problem 3', 'problem 4']);
    vi.advanceTimersByTime(13_000);
    expect(s.getState().toasts).toEqual([]);
  });

  test('while the connection is down, failed calls add no toasts (the connection state says it once)', () => {
    const s = store();
    s.setState({ connection: 'closed' });
    s.getState().reportError(new QcError('internal', 'the connection to qc serve was lost; reconnecting'));
    s.setState({ connection: 'expired' });
    s.getState().reportError(new QcError('internal', 'the connection to qc serve was lost; reconnecting'));
    expect(s.getState().toasts).toEqual([]);
    s.setState({ connection: 'open' });
    s.getState().reportError(new QcError('bad_input', 'x'));
    expect(s.getState().toasts).toHaveLength(1);
  });
});
