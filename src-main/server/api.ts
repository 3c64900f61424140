/**
 * One WebSocket client of the API: JSON text frames carry the contract's `ClientMessage`s to the
 * core's CallSession and its `ServerMessage`s back. A closed socket aborts the client's calls.
 */
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { CallSession, isLossy } from '../core/session';

/**
 * Progress and job events are dropped (never results) while a slow client has this much unsent;
 * past the server's MAX_BUFFERED_BYTES it is disconnected.
 */
const MAX_BUFFERED_LOSSY = 4 * 1024 * 1024;

export class ApiClient {
  private readonly session: CallSession;

  constructor(
    private readonly ws: WebSocket,
    core: Pick<Core, 'call' | 'handlers'>,
    /** Past this much unsent the client is cut off (it has stopped reading). */
    private readonly maxBuffered: number,
  ) {
    this.session = new CallSession(core, (msg) => this.send(msg));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.send({ type: 'error', id: -1, error: { code: 'bad_input', message: 'binary messages are not accepted' } });
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return this.send({ type: 'error', id: -1, error: { code: 'bad_input', message: 'malformed JSON' } });
      }
      if ((msg as { type?: unknown } | null)?.type === 'cancel') this.session.cancel(msg);
      else this.session.call(msg);
    });
    ws.on('close', () => void this.session.dispose(0));
    ws.on('error', () => void this.session.dispose(0));
  }

  get inFlight(): number {
    return this.session.inFlight;
  }

  event(msg: Extract<ServerMessage, { type: 'event' }>): void {
    this.session.event(msg);
  }

  /** Abort every call and wait (at most `waitMs`) for them to wind down. */
  dispose(waitMs: number): Promise<void> {
    return this.session.dispose(waitMs);
  }

  private send(msg: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (isLossy(msg) && this.ws.bufferedAmount > MAX_BUFFERED_LOSSY) return;
    let text: string;
    try {
      text = JSON.stringify(msg);
    } catch (e) {
      if (msg.type !== 'result') return;
      text = JSON.stringify({ type: 'error', id: msg.id, error: { code: 'internal', message: `the result could not be sent: ${(e as Error).message}` } } satisfies ServerMessage);
    }
    this.ws.send(text);
    // A client that does not read would make its answers pile up here without end: cut it off.
    // terminate, not close: a closing handshake queued behind what it does not read never ends.
    // Its calls are aborted by the close handler.
    if (this.ws.bufferedAmount > this.maxBuffered) this.ws.terminate();
  }
}
