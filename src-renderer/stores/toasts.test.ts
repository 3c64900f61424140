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

  test('an error is not pushed out by the notes that follow it: the oldest note goes first', () => {
    vi.useFakeTimers();
    const s = store();
    s.getState().toast('error', 'Import: the folder cannot be read');
    for (const t of ['a', 'b', 'c']) s.getState().toast('info', t);
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['Import: the folder cannot be read', 'b', 'c']);
    // Only errors: the oldest error goes.
    for (const t of ['e1', 'e2', 'e3']) s.getState().toast('error', t);
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['e1', 'e2', 'e3']);
  });

  test('held (pointer over or focus in the toasts), none expires; released, each counts down what it had left, at least 2 s', () => {
    vi.useFakeTimers();
    const s = store();
    s.getState().toast('info', 'saved');
    s.getState().toast('error', 'refused');
    vi.advanceTimersByTime(4_000);
    s.getState().holdToasts(true);
    vi.advanceTimersByTime(60_000);
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['saved', 'refused']);
    s.getState().toast('info', 'arrived while held');
    vi.advanceTimersByTime(60_000);
    expect(s.getState().toasts).toHaveLength(3);
    s.getState().holdToasts(false);
    vi.advanceTimersByTime(1_900); // 'saved' had 1 s left: it gets 2
    expect(s.getState().toasts).toHaveLength(3);
    vi.advanceTimersByTime(200);
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['refused', 'arrived while held']);
    vi.advanceTimersByTime(3_000); // the new note's 5 s
    expect(s.getState().toasts.map((t) => t.text)).toEqual(['refused']);
    vi.advanceTimersByTime(5_000); // the error had 8 s left
    expect(s.getState().toasts).toEqual([]);
  });

  test('a dismissed toast leaves no timer behind that could dismiss a later one', () => {
    vi.useFakeTimers();
    const s = store();
    const id = s.getState().toast('info', 'x');
    s.getState().dismissToast(id);
    s.getState().holdToasts(true);
    s.getState().holdToasts(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

