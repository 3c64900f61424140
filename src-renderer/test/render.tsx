/** Test helpers: render a piece of the UI over a store built on the mock client. */
import { cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import { mockClient, type MockClient, type MockOptions } from '../api/mock';
import { AppProvider } from '../features/shell/AppProvider';
import { createAppStore, type AppStore } from '../stores/app';

afterEach(() => cleanup());

export interface Rendered extends RenderResult {
  client: MockClient;
  store: AppStore;
}

export function setup(options: MockOptions = {}): { client: MockClient; store: AppStore } {
  const client = mockClient(options);
  return { client, store: createAppStore(client) };
}

export function renderWith(ui: ReactElement, ctx: { client: MockClient; store: AppStore } = setup()): Rendered {
  const result = render(
    <AppProvider client={ctx.client} store={ctx.store}>
      {ui}
    </AppProvider>,
  );
  return { ...result, ...ctx };
}

/** Resolve when `fn` stops throwing (polls every 5 ms, up to `timeout` ms). */
export async function until<T>(fn: () => T, timeout = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (Date.now() - start > timeout) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
