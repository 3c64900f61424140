/**
 * createCore({ dataDir }): opens the library and returns the one dispatcher that every transport
 * (CLI, tests, Electron IPC, `qc serve`) calls. Feature modules contribute handler maps; their
 * union is the typed `Api` of src-shared.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventMap, EventName, JobProgress } from '../../src-shared/contract/events';
import { QcError } from '../../src-shared/contract/errors';
import type { ArgsOf, Handlers, Method, ResultOf } from '../../src-shared/contract/handlers';
import { parseArgs } from '../../src-shared/contract/schemas';
import type { DemoOffer } from '../../src-shared/domain/library';
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/domain/ml';
import type { CoreContext, EventBus } from './context';
import { openDatabase, type Db } from './db/open';
import { ForegroundGate, warmFiles, type WarmResult } from './db/warm';
import { labelHandlers } from './labels/handlers';
import { LabelService } from './labels/labels';
import { libraryHandlers } from './library/handlers';
import { Importer } from './library/importer';
import { checkLibraryFolder, holdOwnerLock, ImageStore, sweepOwnerLocks } from './library/store';
import { WorkerEngine } from './ml/worker/client';
import { InProcessEngine, type MlEngine } from './ml/engine';
import { featureKey } from './ml/embed';
import { loadFeaturePack } from './ml/featurePack';
import { mlHandlers } from './ml/handlers';
import { RunStore } from './ml/runs';
import { tagFileImport } from './ml/tagImport';
import { TrainService } from './ml/trainService';
import { reviewHandlers } from './review/handlers';
import { libraryPaths } from './paths';
import { unavailableShellHandlers } from './shell';
import { createLibraryWatcher, type LibraryWatcher } from './watch';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LookupFunction } from 'node:net';

export interface CoreOptions {
  dataDir: string;
  maxPixels?: number;
  /** Where backbones.json and the ONNX files are (default: resources/models of this checkout). */
  modelsDir?: string;
  /** Where the demo library is (default: resources/demo of this checkout). */
  demoDir?: string;
  /** Run ML work in the long-lived worker thread (default) or in this thread. */
  ml?: 'worker' | 'in-process';
  /**
   * Read the database file once in the background so that the first queries find it in the page
   * cache (db/warm.ts). For the interactive front ends (the app, `qc serve`); default false.
   */
  warm?: boolean;
  /** How downloads resolve host names (default: the system's, dns.lookup); tests give their own. */
  lookup?: LookupFunction;
}

/** resources/ next to the sources (src-main/core → ../../resources). */
export function defaultResourcesDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources');
}

export function defaultModelsDir(): string {
  return path.join(defaultResourcesDir(), 'models');
}

/** The demo library's ratings use EOL URLs; its images are found locally through this mirror. */
export const DEMO_URL_PREFIX = 'https://content.eol.org/data/media/qc/';
/** The demo's feature pack, beside its ratings (scripts/build-demo-features.ts writes it). */
export const DEMO_FEATURE_PACK = 'features.bin.gz';

/** Rated photos in a demo's ratings file (its data rows); null when there is no demo there. */
export function demoRows(demoDir: string): number | null {
  try {
    const lines = fs.readFileSync(path.join(demoDir, 'image_ratings.txt'), 'latin1').split('\n');
    return lines.slice(1).filter((l) => l.trim() !== '').length;
  } catch {
    return null;
  }
}

/**
 * Whether an import's source is the demo's ratings file: the same file, or one with the same bytes
 * (the demo of another install or checkout), or — gone now — one that was at `…/demo/image_ratings.txt`
 * (an AppImage mounts its resources at a new folder on every launch; a moved or translocated app).
 */
export function sameAsDemoFile(source: string, demoFile: string): boolean {
  let demo: { real: string; size: number };
  try {
    demo = { real: fs.realpathSync(demoFile), size: fs.statSync(demoFile).size };
  } catch {
    return false;
  }
  let size: number;
  try {
    if (fs.realpathSync(source) === demo.real) return true;
    size = fs.statSync(source).size;
  } catch {
    return /[\\/]demo[\\/]image_ratings\.txt$/.test(source);
  }
  if (size !== demo.size) return false;
  try {
    const digest = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    return digest(source) === digest(demoFile);
  } catch {
    return false;
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

export interface Core {
  readonly context: CoreContext;
  readonly handlers: Handlers;
  readonly events: EventBus;
  call<M extends Method>(method: M, args: ArgsOf<M>, opts?: CallOptions): Promise<ResultOf<M>>;
  /** The background warm-up of the database file (opts.warm), or null when not asked for. */
  readonly warmed: Promise<WarmResult> | null;
  /**
   * Wait for the background finish of a rule change left unfinished (none: at once), hearing its
   * progress; `signal` stops it between two chunks (the rest left for the next open).
   */
  settleLabels(opts?: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void }): Promise<void>;
  /** Close the database and stop the ML worker. */
  close(): Promise<void>;
}

/**
 * The core's event bus. `listening` hears how many listeners it has (the library watcher polls only
 * while someone listens), `announced` each event the core sends of its own (not job progress);
 * `relay` sends an event without telling `announced` (the watcher's, about other programs' writes).
 */
function createEventBus(hooks: { listening(n: number): void; announced(): void }): { bus: EventBus; relay: EventBus['emit'] } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  let listeners = 0;
  const relay: EventBus['emit'] = (name, payload) => void emitter.emit(name, payload);
  const bus: EventBus = {
    emit: (name, payload) => {
      if (name !== 'job.progress') hooks.announced();
      relay(name, payload);
    },
    on<E extends EventName>(name: E, listener: (payload: EventMap[E]) => void) {
      emitter.on(name, listener);
      hooks.listening(++listeners);
      let on = true;
      return () => {
        if (!on) return;
        on = false;
        emitter.off(name, listener);
        hooks.listening(--listeners);
      };
    },
  };
  return { bus, relay };
}

/** How often `settleLabels` looks again while another process applies a rule change. */
const RELABEL_WAIT_POLL_MS = 250;

export function createCore(opts: CoreOptions): Core {
  const paths = libraryPaths(opts.dataDir);
  // A folder that cannot hold a library (read-only, no permission, a file) is refused naming it, before any file is touched.
  checkLibraryFolder(paths.root);
  // This process's lock on the library, held while the core is open: how other processes, in any
  // pid namespace, tell that its imports, runs and temporary files are live (store.ts ownerEnded).
  const releaseOwnerLock = holdOwnerLock(paths.owners);
  let db: Db;
  let store: ImageStore;
  try {
    store = new ImageStore(paths);
    sweepOwnerLocks(paths.owners);
    store.sweepTemp();
    db = openDatabase(paths.db);
  } catch (e) {
    releaseOwnerLock();
    throw e;
  }
  const warmAbort = new AbortController();
  // The warm-up's descriptors of the database file, closed only after the connection (db/warm.ts:
  // closing one while SQLite holds its locks would drop them).
  const warmFds: number[] = [];
  // Calls in flight: the warm-up's reads step aside for them (db/warm.ts).
  const foreground = new ForegroundGate();
  const warmed = opts.warm
    ? warmFiles([paths.db, `${paths.db}-wal`], { signal: warmAbort.signal, foreground, keepOpen: (fds) => warmFds.push(...fds) }).catch((): WarmResult => ({ bytes: 0, skipped: 'failed' }))
    : null;
  // Other programs' writes to the library, announced while anyone listens (watch.ts); the core's own announcements are not repeated.
  let watcher: LibraryWatcher | null = null;
  const { bus: events, relay } = createEventBus({
    listening: (n) => (n > 0 ? watcher?.start() : watcher?.stop()),
    announced: () => watcher?.resync(),
  });
  const context: CoreContext = { paths, db, store, labels: new LabelService(db), events, ...(opts.maxPixels !== undefined && { maxPixels: opts.maxPixels }), ...(opts.lookup && { lookup: opts.lookup }) };
  const engine: MlEngine = opts.ml === 'in-process' ? new InProcessEngine() : new WorkerEngine();
  const modelsDir = opts.modelsDir ?? defaultModelsDir();
  const runs = new RunStore(db);
  watcher = createLibraryWatcher(db, runs, relay);
  const train = new TrainService(context, engine, modelsDir, runs);
  const importer = new Importer(context);
  /**
   * A rule change whose process ended before all labels followed it (a `qc rule` killed or
   * cancelled) is finished from here, in the background: chunk by chunk with a pause, so this
   * core answers its calls meanwhile (finishing it before the first answer kept `qc status`, or
   * every call of `qc serve`, waiting minutes on a library of a million with no word). Told as job
   * progress (`relabel`) and, when labels changed, `library.changed`; `settleLabels` waits for it
   * (the CLI, before a command); `close` stops it between two chunks, the rest left for the next open.
   */
  const relabelStop = new AbortController();
  let finishing: Promise<void> | null = null;
  const finishLeftoverRelabel = (): Promise<void> =>
    (finishing ??= context.labels
      .finishRelabel({
        signal: relabelStop.signal,
        progress: (done, total) => events.emit('job.progress', { job: 'relabel', phase: 'labels', done, total, message: 'finishing a label rule change left unfinished' }),
      })
      .then(
        (changed) => {
          if (changed > 0) events.emit('library.changed', { reason: 'rule' });
        },
        // Left as it is for the next open (a full disk, the library closed under it).
        () => undefined,
      )
      .finally(() => {
        finishing = null;
      }));
  void finishLeftoverRelabel();
  const demoDir = opts.demoDir ?? path.join(defaultResourcesDir(), 'demo');
  let rows: number | null | undefined;
  const urlOutsideDemo = db.prepare('SELECT 1 FROM image_urls WHERE substr(url, 1, length(?)) <> ? LIMIT 1');
  // Imports that stored something (rows or pictures): one refused or cancelled before its first row holds nothing.
  const importSources = db.prepare<[], { source: string }>(
    "SELECT DISTINCT source FROM imports i WHERE kind <> 'retry' AND (EXISTS (SELECT 1 FROM source_rows r WHERE r.import_id = i.id) OR EXISTS (SELECT 1 FROM image_urls u WHERE u.import_id = i.id))",
  );
  const demoFile = path.join(demoDir, 'image_ratings.txt');
  /** Per import source: whether it is the demo's ratings file (asked on every status; a source's answer does not change). */
  const demoSource = new Map<string, boolean>();
  const isDemoSource = (source: string): boolean => {
    let known = demoSource.get(source);
    if (known === undefined) demoSource.set(source, (known = sameAsDemoFile(source, demoFile)));
    return known;
  };
  /**
   * Whether the library holds anything but the demo: a picture whose URL is not under the demo's
   * prefix, or rows or pictures from an import of any file but the demo's own ratings (retries excepted). The URLs alone
   * did not tell: the dev set (`shared/datasets/quality-dev`) uses the demo's URL prefix, and a
   * library of it took the demo's photos and labels in and was offered "finish loading the demo".
   */
  const otherThanDemo = (): boolean => {
    if (urlOutsideDemo.get(DEMO_URL_PREFIX, DEMO_URL_PREFIX)) return true;
    return importSources.all().some(({ source }) => !isDemoSource(source));
  };
  const demoOffer = (images: number): DemoOffer | null => {
    rows ??= demoRows(demoDir);
    if (rows === null) return null;
    if (otherThanDemo()) return { rows, offer: null };
    if (images === 0) return { rows, offer: 'load' };
    // Only demo photos: whole once an import of them completed and a run was trained on them.
    const imported = db.prepare("SELECT 1 FROM imports WHERE status = 'done' LIMIT 1").get();
    const trained = db.prepare("SELECT 1 FROM runs WHERE status = 'done' LIMIT 1").get();
    return { rows, offer: imported && trained ? null : 'finish' };
  };
  const library = libraryHandlers(context, importer);
  const handlers: Handlers = {
    ...library,
    // A tag file or a folder of them (an earlier classify's output), no kind given: merged into the
    // active run as `qc import` merges them (ml/tagImport.ts tagFileImport), from every front door.
    'library.import': async (args, ctx) => {
      let merged = false;
      try {
        const tags = await tagFileImport(db, args, ctx.signal, (runId) => runs.requireRun(runId));
        merged = tags !== null;
        return tags ?? (await library['library.import'](args, ctx));
      } finally {
        if (merged) context.events.emit('library.changed', { reason: 'tags' });
      }
    },
    // The status says what the demo holds and whether to offer it (a load cancelled half way is finished by loading again).
    // A rule change left half done by another process that has ended (a `qc rule` killed while this
    // core stays open) is taken up here and on sources, as at open, in the background: one settings
    // read when there is none (labels.ts finishRelabel).
    'library.status': async (args, ctx) => {
      void finishLeftoverRelabel();
      const status = await library['library.status'](args, ctx);
      const offer = demoOffer(status.images);
      return offer ? { ...status, demo: offer } : status;
    },
    'library.sources': async (args, ctx) => {
      void finishLeftoverRelabel();
      return library['library.sources'](args, ctx);
    },
    ...labelHandlers(context),
    ...mlHandlers(context, engine, modelsDir, importer, train, runs),
    ...reviewHandlers(context, runs, modelsDir),
    ...unavailableShellHandlers(),
    'demo.load': async ({ train: wantTrain = true }, ctx) => {
      // The demo's photos, ratings and run would mix with a curator's own: it loads only into a
      // library that holds nothing else (loading it again is fine).
      if (otherThanDemo()) throw new QcError('bad_input', 'the demo loads only into an empty library, and this one holds your images: open a new, empty library for it');
      const imported = await handlers['library.import']({ source: demoFile, mirrors: [{ prefix: DEMO_URL_PREFIX, dir: path.join(demoDir, 'images') }] }, ctx);
      // The demo ships its photos' features (featurePack.ts): the first run skips the embedding.
      const pack = path.join(demoDir, DEMO_FEATURE_PACK);
      if (fs.existsSync(pack)) loadFeaturePack(db, pack, DEFAULT_TRAIN_PARAMS.features.map((s) => featureKey(s, DEFAULT_TRAIN_PARAMS.backbone)));
      const run = wantTrain && !ctx.signal.aborted ? await handlers['ml.train']({}, ctx) : null;
      return { import: imported, run };
    },
  };

  return {
    context,
    handlers,
    events,
    warmed,
    async call(method, args, callOpts = {}) {
      const handler = handlers[method] as unknown as ((a: typeof args, c: { signal: AbortSignal; progress: (p: JobProgress) => void }) => Promise<ResultOf<typeof method>>) | undefined;
      if (typeof handler !== 'function') throw new QcError('unknown_method', `no such method: ${String(method)}`);
      // Every transport (IPC, WebSocket, CLI, direct calls) comes through here: check the arguments
      // against the method's schema (contract/schemas.ts) before the handler sees them; a local
      // path must be absolute by this platform's rule (C:/x is relative on Linux and macOS).
      const checked = parseArgs(method, args, { isAbsolute: path.isAbsolute });
      const signal = callOpts.signal ?? new AbortController().signal;
      const progress = (p: JobProgress) => {
        callOpts.onProgress?.(p);
        events.emit('job.progress', p);
      };
      foreground.enter();
      try {
        return await handler(checked, { signal, progress });
      } finally {
        foreground.leave();
      }
    },
    async settleLabels({ signal, onProgress } = {}) {
      const stop = () => relabelStop.abort();
      const off = onProgress ? events.on('job.progress', (p) => p.job === 'relabel' && onProgress(p)) : null;
      signal?.addEventListener('abort', stop, { once: true });
      try {
        // Another live process applying one (two commands opened after a kill, the first took it
        // up): waited for, as this command must not read labels of two rules; one it leaves (ended,
        // or cancelled there) is taken up here.
        let told = false;
        for (;;) {
          await finishLeftoverRelabel();
          if (relabelStop.signal.aborted || context.labels.pendingRelabel() !== 'running') return;
          if (!told) onProgress?.({ job: 'relabel', phase: 'waiting', done: 0, total: 0, message: 'waiting for the label rule change another process is applying' });
          told = true;
          await sleep(RELABEL_WAIT_POLL_MS, undefined, { signal: relabelStop.signal }).catch(() => undefined);
        }
      } finally {
        signal?.removeEventListener('abort', stop);
        off?.();
      }
    },
    async close() {
      watcher?.stop();
      watcher = null;
      relabelStop.abort();
      await finishing;
      context.labels.releasePaused();
      // The read stops at its next 4 MB (warmFiles lets a stuck one go after WARM_STOP_WAIT_MS).
      warmAbort.abort();
      await warmed;
      if (db.open) db.close();
      for (const fd of warmFds.splice(0)) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
      }
      await engine.close();
      releaseOwnerLock();
    },
  };
}
