// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import type { ApiClient } from '../../api/client';
import type { EventMap, EventName } from '../../../src-shared/contract/events';
import { createAppStore } from '../../stores/app';
import { prefs, setPrefs } from '../review/prefs';

/** A client whose only job here is to deliver events as the Electron bridge would. */
function eventClient() {
  const listeners = new Map<EventName, ((p: never) => void)[]>();
  const client = {
    call: () => Promise.reject(new Error('not used')),
    on<E extends EventName>(event: E, fn: (p: EventMap[E]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn as (p: never) => void]);
      return () => undefined;
    },
    fileUrl: () => '',
  } as unknown as ApiClient;
  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => listeners.get(event)?.forEach((fn) => (fn as (p: EventMap[E]) => void)(payload));
  return { client, emit };
}

describe('desktop menu items (app.menu)', () => {
  test('Import… opens Library, Export… opens Export, Keyboard shortcuts shows the keys on Review', () => {
    const { client, emit } = eventClient();
    const store = createAppStore(client);
    const off = store.getState().connect();
    emit('app.menu', { command: 'export' });
    expect(store.getState().screen).toBe('export');
    emit('app.menu', { command: 'import' });
    expect(store.getState().screen).toBe('library');
    emit('app.menu', { command: 'shortcuts' });
    expect(store.getState().screen).toBe('review');
    expect(prefs().helpOpen).toBe(true);
    setPrefs({ helpOpen: false });
    off();
  });
});
