/**
 * `ml.cancelTraining`: a training started by one client of the core (a window) is cancelled by
 * another (a second window), through two real CallSessions on one real core: the first client's
 * call ends with the run `cancelled`, and every client hears runs.changed. A run that is not
 * training is refused, naming its status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CORE_EVENTS } from '../../../src-shared/contract/events';
import type { ServerMessage } from '../../../src-shared/contract/transport';
import type { RunSummary } from '../../../src-shared/domain/ml';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { CallSession } from '../session';

const TRAIN = { features: ['signals' as const], hidden: 0, epochs: 10_000, augment: 0 };

/** One window: a session on the core that hears its events, and answers by call id. */
function windowOn(lib: SeededLibrary) {
  const got: ServerMessage[] = [];
  const session = new CallSession(lib.core, (m) => got.push(structuredClone(m)));
  const offs = CORE_EVENTS.map((name) => lib.core.events.on(name, (payload) => session.event({ type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>)));
  let nextId = 1;
  const answer = (id: number) =>
    new Promise<unknown>((resolve, reject) => {
      const tick = () => {
        const m = got.find((x) => (x.type === 'result' || x.type === 'error') && x.id === id);
        if (!m) return void setTimeout(tick, 5);
        if (m.type === 'result') resolve(m.result);
        else if (m.type === 'error') reject(Object.assign(new Error(m.error.message), m.error));
      };
      tick();
    });
  return {
    got,
    call(method: string, args: object) {
      const id = nextId++;
      session.call({ type: 'call', id, method, args });
      return answer(id);
    },
    async close() {
      offs.forEach((off) => off());
      await session.dispose(2000);
    },
  };
}

describe('ml.cancelTraining', () => {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });

  it("cancels a training another window started: that window's call ends cancelled, and both hear the run end", async () => {
    const lib = seedLibrary();
    open.push(() => lib.core.close());
    const a = windowOn(lib);
    const b = windowOn(lib);
    open.push(a.close, b.close);
    const training = a.call('ml.train', TRAIN) as Promise<RunSummary>;
    // B learns of the run from runs.changed and the runs table, as a window does.
    let runId: number | undefined;
    for (let i = 0; i < 2000 && runId === undefined; i++) {
      await new Promise((r) => setTimeout(r, 5));
      if (b.got.some((m) => m.type === 'event' && m.name === 'runs.changed')) {
        const { runs } = (await b.call('ml.runs', {})) as { runs: RunSummary[] };
        runId = runs.find((r) => r.status === 'running')?.run_id;
      }
    }
    expect(runId).toBeDefined();
    // B also hears A's training progress (job.progress goes to every window).
    for (let i = 0; i < 2000 && !b.got.some((m) => m.type === 'event' && m.name === 'job.progress' && m.payload.job === 'train'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(b.got.some((m) => m.type === 'event' && m.name === 'job.progress' && m.payload.job === 'train')).toBe(true);
    const changedBefore = b.got.filter((m) => m.type === 'event' && m.name === 'runs.changed').length;
    await expect(b.call('ml.cancelTraining', { runId })).resolves.toEqual({ run_id: runId });
    const run = await training;
    expect(run).toMatchObject({ run_id: runId, status: 'cancelled' });
    const { runs } = (await b.call('ml.runs', {})) as { runs: RunSummary[] };
    expect(runs.find((r) => r.run_id === runId)?.status).toBe('cancelled');
    expect(b.got.filter((m) => m.type === 'event' && m.name === 'runs.changed').length).toBeGreaterThan(changedBefore);
    expect(a.got.filter((m) => m.type === 'event' && m.name === 'runs.changed').length).toBeGreaterThanOrEqual(2);
    // Once it has ended, cancelling it again is refused with its status; an unknown run is not found.
    await expect(b.call('ml.cancelTraining', { runId })).rejects.toMatchObject({ code: 'bad_input', message: `run ${runId} is not training (it is cancelled)` });
    await expect(b.call('ml.cancelTraining', { runId: 999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(b.call('ml.cancelTraining', { runId: 'x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    // The library trains again afterwards (nothing is left holding it).
    const again = a.call('ml.train', { ...TRAIN, epochs: 3 }) as Promise<RunSummary>;
    await expect(again).resolves.toMatchObject({ status: 'done' });
  }, 120_000);
});
