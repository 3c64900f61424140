/**
 * A CallSession lives as long as its page or WebSocket: what it keeps to throttle a call's progress
 * must go when the call ends, or a long session grows by one entry per call (and per phase).
 */
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../src-shared/contract/events';
import type { ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from './app';
import { CallSession, type ProgressThrottle } from './session';

type Dispatcher = Pick<Core, 'call' | 'handlers'>;

/** A dispatcher whose every call reports two phases of progress, then answers on the next turn. */
function reportingDispatcher(): Dispatcher {
  const call = (async (_method: string, _args: unknown, ctx: { onProgress?: (p: JobProgress) => void }) => {
    for (const phase of ['rows', 'files']) {
      for (let done = 0; done <= 3; done++) ctx.onProgress?.({ job: 'import', phase, done, total: 3 });
    }
    await new Promise((r) => setImmediate(r));
    return { ok: true };
  }) as unknown as Core['call'];
  return { call, handlers: { 'library.status': () => undefined } as unknown as Core['handlers'] };
}

const throttleOf = (s: CallSession) => (s as unknown as { throttle: ProgressThrottle }).throttle;

describe('CallSession: progress throttling over many calls', () => {
  it('keeps nothing for a call once it has ended, while still sending each phase’s first and last progress', async () => {
    const sent: ServerMessage[] = [];
    const session = new CallSession(reportingDispatcher(), (m) => sent.push(m));
    // Rounds of calls (a session runs at most 64 at once), as a page makes them over a long day.
    const rounds = 10;
    const perRound = 50;
    const calls = rounds * perRound;
    let id = 0;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) session.call({ type: 'call', id: ++id, method: 'library.status', args: {} });
      // While they run, each call has its entry.
      expect(throttleOf(session).size).toBe(perRound);
      const end = Date.now() + 10_000;
      while (sent.filter((m) => m.type === 'result').length < id && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(sent.filter((m) => m.type === 'result')).toHaveLength(id);
      expect(throttleOf(session).size).toBe(0);
    }
    // Throttled, not silenced: each call's two phases sent at least their first and last step.
    const progress = sent.filter((m): m is Extract<ServerMessage, { type: 'progress' }> => m.type === 'progress');
    for (const id of [1, calls]) {
      const mine = progress.filter((m) => m.id === id).map((m) => `${m.progress.phase}:${m.progress.done}`);
      expect(mine).toEqual(expect.arrayContaining(['rows:0', 'rows:3', 'files:0', 'files:3']));
      expect(mine.length).toBeLessThan(8);
    }
  });
});
