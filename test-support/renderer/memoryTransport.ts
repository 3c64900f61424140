/**
 * The renderer's real client over the real core, in memory: `bridgeClient` (what Electron's page
 * uses) over a Bridge that hands each message, structured-cloned as IPC would, to a CallSession
 * on the core, and forwards the core's push events the way src-main/electron/ipc.ts does.
 */
import type { Core } from '../../src-main/core/app';
import { CallSession } from '../../src-main/core/session';
import { CORE_EVENTS } from '../../src-shared/contract/events';
import type { Bridge, ServerMessage } from '../../src-shared/contract/transport';
import { bridgeClient, type ApiClient } from '../../src-renderer/api/client';

export function memoryBridge(core: Core): Bridge & { dispose(): Promise<void> } {
  const listeners = new Set<(msg: ServerMessage) => void>();
  // Delivered on a later task, as IPC would: a call never settles inside the caller's own tick.
  const send = (msg: ServerMessage) => {
    const copy = structuredClone(msg);
    setTimeout(() => listeners.forEach((l) => l(copy)), 0);
  };
  const session = new CallSession(core, send);
  const off = CORE_EVENTS.map((name) => core.events.on(name, (payload) => session.event({ type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>)));
  return {
    call: (id, method, args) => session.call(structuredClone({ type: 'call', id, method, args })),
    cancel: (id) => session.cancel({ type: 'cancel', id }),
    listen(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async dispose() {
      off.forEach((f) => f());
      listeners.clear();
      await session.dispose(2000);
    },
  };
}

/** The renderer's ApiClient on `core`, exactly as the Electron page has it. */
export function memoryClient(core: Core): ApiClient & { dispose(): Promise<void> } {
  const bridge = memoryBridge(core);
  const client = bridgeClient(bridge);
  return {
    ...client,
    async dispose() {
      client.close?.();
      await bridge.dispose();
    },
  };
}
