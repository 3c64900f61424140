/**
 * `qc serve`'s WebSocket in memory, for the renderer's `wsClient` over the real core: each socket
 * opens a CallSession on the core (as src-main/server/api.ts does), JSON both ways, answers on a
 * later task. `stop()` is qc serve going away unreachably: the open socket closes, and a new one
 * neither opens nor fails (as a connection to a machine that does not answer) until the client closes it.
 */
import type { Core } from '../../src-main/core/app';
import { CallSession } from '../../src-main/core/session';
import { CORE_EVENTS } from '../../src-shared/contract/events';
import type { ServerMessage } from '../../src-shared/contract/transport';

export function memorySockets(core: Core): { Impl: typeof WebSocket; stop(): void } {
  const server = { up: true, open: new Set<MemorySocket>() };

  class MemorySocket {
    readyState = 0;
    onopen: (() => void) | null = null;
    onmessage: ((ev: { data: string }) => void) | null = null;
    onclose: (() => void) | null = null;
    onerror: (() => void) | null = null;
    private session: CallSession | null = null;
    private offs: (() => void)[] = [];

    constructor(readonly url: string) {
      setTimeout(() => {
        // Unreachable (qc serve's machine gone, the network down): the attempt neither opens nor fails.
        if (this.readyState !== 0 || !server.up) return;
        const session = new CallSession(core, (msg: ServerMessage) => {
          const data = JSON.stringify(msg);
          setTimeout(() => {
            if (this.readyState === 1) this.onmessage?.({ data });
          }, 0);
        });
        this.session = session;
        this.offs = CORE_EVENTS.map((name) => core.events.on(name, (payload) => session.event({ type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>)));
        this.readyState = 1;
        server.open.add(this);
        this.onopen?.();
      }, 0);
    }

    send(data: string): void {
      if (this.readyState !== 1) throw new Error('not open');
      const msg = JSON.parse(data) as { type: string };
      if (msg.type === 'cancel') this.session!.cancel(msg);
      else this.session!.call(msg);
    }

    close(): void {
      this.end();
    }

    end(): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      server.open.delete(this);
      this.offs.forEach((off) => off());
      void this.session?.dispose(2000);
      this.onclose?.();
    }
  }

  return {
    Impl: MemorySocket as unknown as typeof WebSocket,
    stop() {
      server.up = false;
      for (const s of [...server.open]) s.end();
    },
  };
}
