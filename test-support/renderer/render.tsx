/**
 * Renderer test helpers: render a piece of the UI over a store whose client talks to the REAL core
 * (a seeded library: real SQLite from the real migrations, real handlers) through the in-memory
 * transport; `withFaults` adds only injected failures and latency. Every core is closed after each test.
 */
import { configure, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { AppProvider } from '../../src-renderer/features/shell/AppProvider';
import { createAppStore, type AppStore } from '../../src-renderer/stores/app';
import { RunStore } from '../../src-main/core/ml/runs';
import type { EventMap, EventName } from '../../src-shared/contract/events';
import type { RunSummary } from '../../src-shared/domain/ml';
import { seedLibrary, type SeededLibrary, type SeedOptions } from '../seedLibrary';
import { withFaults, type TestClient } from './faults';
import { memoryClient } from './memoryTransport';
import { onTestEnd } from './opened';

// findBy* and waitFor wait up to 10 s, not testing-library's 1 s: under CI's load (four test files on
// two cores) a screen's first answer from the real core has taken longer than a second, and tests
// failed that way (the Export screen's preview, twice). A wait that succeeds returns as soon as it does.
configure({ asyncUtilTimeout: 10_000 });

type ImageRow = Omit<SeededImageState, 'p_bad' | 'heldout'> & { p_bad: number | null; heldout: number };
const toState = (r: ImageRow): SeededImageState => ({ ...r, p_bad: r.p_bad ?? NaN, heldout: r.heldout === 1 });

const IMAGE_SQL = `SELECT i.id, l.label, l.origin, p.p_bad, li.rank AS issue_rank, COALESCE(p.heldout, 0) AS heldout
  FROM images i JOIN labels l ON l.image_id = i.id
  LEFT JOIN predictions p ON p.run_id = @run AND p.image_id = i.id LEFT JOIN label_issues li ON li.run_id = @run AND li.image_id = i.id`;

export interface SetupOptions extends SeedOptions {
  /** Milliseconds each call waits before reaching the core (default 0). */
  latencyMs?: number;
}

/** An image as the database has it now, under the active run. */
export interface SeededImageState {
  id: number;
  label: 'good' | 'bad' | null;
  origin: 'import' | 'curator';
  /** The active run's p(bad); NaN when no run scored it. */
  p_bad: number;
  issue_rank: number | null;
  heldout: boolean;
}

/** The test client, plus read-only views of the seeded library's real state (and its event bus). */
export interface SeededClient extends TestClient {
  image(id: number): SeededImageState | undefined;
  /** Every image, by id. */
  readonly images: SeededImageState[];
  /** The runs table now. */
  readonly runs: RunSummary[];
  /** Push an event on the core's bus (it reaches the page through the transport, as from another window). */
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
}

export interface TestContext {
  client: SeededClient;
  store: AppStore;
  /** The seeded library (its core, images and runs). */
  lib: SeededLibrary;
}

export interface Rendered extends RenderResult, TestContext {}

/** A seeded library on the real core, the renderer's client over it, and an app store. */
export function setup(options: SetupOptions = {}): TestContext {
  const { latencyMs, ...seed } = options;
  const lib = seedLibrary(seed);
  const transport = memoryClient(lib.core);
  const faults = withFaults(transport, latencyMs !== undefined ? { latencyMs } : {});
  const { db } = lib.core.context;
  const runStore = new RunStore(db);
  const client: SeededClient = {
    ...faults,
    image: (id: number) => {
      const row = db.prepare(`${IMAGE_SQL} WHERE i.id = @id`).get({ id, run: runStore.activeRunId() ?? -1 }) as ImageRow | undefined;
      return row && toState(row);
    },
    get images() {
      return (db.prepare(`${IMAGE_SQL} ORDER BY i.id`).all({ run: runStore.activeRunId() ?? -1 }) as ImageRow[]).map(toState);
    },
    get runs() {
      return runStore.list();
    },
    emit: <E extends EventName>(event: E, payload: EventMap[E]) => lib.core.events.emit(event, payload),
  };
  onTestEnd(async () => {
    await transport.dispose();
    await lib.core.close();
  });
  return { client, store: createAppStore(client), lib };
}

export function renderWith(ui: ReactElement, ctx: TestContext = setup()): Rendered {
  const result = render(
    <AppProvider client={ctx.client} store={ctx.store}>
      {ui}
    </AppProvider>,
  );
  return { ...result, ...ctx };
}

/**
 * Resolve when `fn` stops throwing (polls every 5 ms, up to `timeout` ms). The default is generous
 * because a fresh-clone CI run loads both cores with several test workers: a wait that takes 50 ms
 * alone took over 5 s there (RunsTable.twice.test.tsx), and a real failure still fails, only later.
 */
export async function until<T>(fn: () => T, timeout = 20_000): Promise<T> {
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
