/**
 * `ml.embed`: make sure every image has the cached features a run needs. Finds what is missing,
 * hands files to the ML engine (the worker), and stores each batch as it arrives, so a killed run
 * keeps what it finished and the next run continues from there.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext } from '../../../src-shared/contract/handlers';
import { DEFAULT_BACKBONE, type EmbedSummary, type FeatureSet } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { featureKey, storeVectors, type EmbedItem } from './embed';
import type { MlEngine } from './engine';
import type { Decoded } from './backbone/preprocess';
import { FeatureStore } from './featureStore';
import { getSetting, setSetting, SETTING } from '../db/settings';
import { heldHere, ownerEnded, ownersOf, thisProcess } from '../library/store';

export { DEFAULT_BACKBONE };

export interface EmbedRequestArgs {
  features: FeatureSet[];
  backbone: string;
  /** Only these images (default: every image in the library). */
  imageIds?: number[];
  batchSize?: number;
}

/**
 * One embedding of the whole library at a time per library in this process: a second one (another
 * tab, `ml.embed` beside a training) waits for the one running and then finds what it made cached,
 * instead of computing the same features again beside it. A caller cancelled while it waits stops
 * waiting. Calls for given images (a classified bundle's chunks, two at a time so the workers never
 * drain) are not held back. Across processes the same is done through {@link EmbeddingState}.
 */
const EMBEDDING = new WeakMap<CoreContext['db'], Promise<unknown>>();

/**
 * A whole-library embedding under way (SETTING.embedding): the process running it and when it last
 * stored a batch. Another process that wants the whole library embedded (`qc embed` beside the app)
 * waits while that owner is alive and storing, then finds its features cached instead of computing
 * every one of them a second time. An owner that has ended (its lock in `owners/` dropped, however
 * it ended: ownerEnded) or that stored nothing for {@link EMBEDDING_STALE_MS} is not waited for.
 */
interface EmbeddingState {
  token: string;
  pid: number;
  start: string | null;
  /** Date.now() when it was claimed or last stored a batch. */
  at: number;
}
/** A live owner silent this long (a hung process; the first batch takes seconds) is not waited for. */
export const EMBEDDING_STALE_MS = 120_000;
const EMBEDDING_POLL_MS = 200;

/** The live whole-library embedding of this library (another process's, or another core's in this one), or null. */
function liveEmbedding(core: CoreContext, held: Set<string>): EmbeddingState | null {
  const state = getSetting<EmbeddingState | null>(core.db, SETTING.embedding, null);
  if (!state || Date.now() - state.at > EMBEDDING_STALE_MS) return null;
  return ownerEnded({ pid: state.pid, start: state.start }, () => held.has(state.token), ownersOf(core.db)) ? null : state;
}

/** Record this call as the library's whole-library embedder, unless a live one is (one write transaction: two cannot both claim). */
function claimEmbedding(core: CoreContext, held: Set<string>): EmbeddingState | null {
  const me = thisProcess();
  const state: EmbeddingState = { token: randomUUID(), pid: me.pid, start: me.start, at: Date.now() };
  const claimed = core.db
    .transaction(() => {
      if (liveEmbedding(core, held)) return false;
      setSetting(core.db, SETTING.embedding, state);
      return true;
    })
    .immediate();
  if (!claimed) return null;
  held.add(state.token);
  return state;
}

/** `decoded`: pictures already decoded, by image id (prepare.ts PrepareItem.decoded): not read again. */
export async function embedMissing(core: CoreContext, engine: MlEngine, modelsDir: string, args: EmbedRequestArgs, ctx: CallContext, decoded?: ReadonlyMap<number, Decoded>): Promise<EmbedSummary> {
  if (args.imageIds) return embedNow(core, engine, modelsDir, args, ctx, decoded);
  const before = EMBEDDING.get(core.db);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const chain = before ? before.then(() => mine) : mine;
  EMBEDDING.set(core.db, chain);
  const held = heldHere(core.db, 'embeds');
  let claim: EmbeddingState | null = null;
  try {
    if (before) {
      ctx.progress({ job: 'embed', phase: 'waiting', done: 0, total: 0, message: 'waiting for the embedding already running on this library' });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        void before.then(() => {
          ctx.signal.removeEventListener('abort', stop);
          resolve();
        });
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', stop, { once: true });
      });
    }
    // Read while another embeds (a write only once none is live, to claim it).
    let told = false;
    while (!ctx.signal.aborted) {
      const other = liveEmbedding(core, held);
      if (!other && (claim = claimEmbedding(core, held))) break;
      if (other && !told) {
        const who = other.pid === process.pid ? 'another call in this process' : `another process (pid ${other.pid})`;
        ctx.progress({ job: 'embed', phase: 'waiting', done: 0, total: 0, message: `waiting for the embedding ${who} is running on this library` });
        told = true;
      }
      await sleep(EMBEDDING_POLL_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
    const token = claim?.token;
    const beat = token ? core.db.prepare("UPDATE settings SET value = json_set(value, '$.at', ?) WHERE key = ? AND json_extract(value, '$.token') = ?") : null;
    return await embedNow(core, engine, modelsDir, args, ctx, decoded, beat ? () => beat.run(Date.now(), SETTING.embedding, token) : undefined);
  } finally {
    if (claim) {
      held.delete(claim.token);
      try {
        core.db.prepare("DELETE FROM settings WHERE key = ? AND json_extract(value, '$.token') = ?").run(SETTING.embedding, claim.token);
      } catch {
        // The library was closed under the call: the record names this process, which the next one judges ended.
      }
    }
    done();
    // The last in line clears the entry: a later call finds none and does not say it waits.
    if (EMBEDDING.get(core.db) === chain) EMBEDDING.delete(core.db);
  }
}

/** `beat`: called in each batch's transaction (the whole-library embedding's sign of life). */
async function embedNow(core: CoreContext, engine: MlEngine, modelsDir: string, args: EmbedRequestArgs, ctx: CallContext, decoded?: ReadonlyMap<number, Decoded>, beat?: () => void): Promise<EmbedSummary> {
  const started = performance.now();
  const store = new FeatureStore(core.db);
  type Row = { id: number; sha256: string; path: string; dhash: string | null };
  // Asked for some images: those rows alone (a classified bundle's chunk in a library of a million).
  const one = core.db.prepare<[number], Row>('SELECT id, sha256, path, dhash FROM images WHERE id = ?');
  const images: Row[] = args.imageIds
    ? [...new Set(args.imageIds)].sort((a, b) => a - b).flatMap((id) => one.get(id) ?? [])
    : (core.db.prepare('SELECT id, sha256, path, dhash FROM images ORDER BY id').all() as Row[]);
  // Group images by the feature sets they lack, so each runs only what it needs.
  const bySets = new Map<string, EmbedItem[]>();
  for (const img of images) {
    const missing = args.features.filter((s) => !store.has(img.sha256, featureKey(s, args.backbone)));
    // The perceptual hash comes with any decode; signals are the cheapest decode-only set.
    if (!missing.length && img.dhash) continue;
    const sets = missing.length ? missing : (['signals'] as FeatureSet[]);
    const key = sets.join(',');
    let items = bySets.get(key);
    if (!items) bySets.set(key, (items = []));
    const d = decoded?.get(img.id);
    items.push({ sha: img.sha256, file: path.join(core.paths.root, img.path), ...(d && { decoded: d }) });
  }
  const total = [...bySets.values()].reduce((n, items) => n + items.length, 0);
  let done = 0;
  let failed = 0;
  let provider = 'none';
  let providerNote: string | undefined;
  const setHash = core.db.prepare<[string, string]>('UPDATE images SET dhash = ? WHERE sha256 = ?');
  ctx.progress({ job: 'embed', phase: 'embed', done, total });
  for (const [key, items] of bySets) {
    if (ctx.signal.aborted) break;
    const sets = key.split(',') as FeatureSet[];
    const wanted = sets.filter((s) => args.features.includes(s));
    const info = await engine.embed(
      { backboneId: args.backbone, modelsDir, items, sets, ...(args.batchSize && { batchSize: args.batchSize }) },
      (results) => {
        core.db.transaction(() => {
          for (const r of results) {
            if (r.error) {
              failed++;
              continue;
            }
            setHash.run(r.dhash, r.sha);
            storeVectors(store, r, wanted, args.backbone);
          }
          beat?.();
        })();
        done += results.length;
        ctx.progress({ job: 'embed', phase: 'embed', done, total, failed });
      },
      ctx.signal,
    );
    if (info.provider !== 'none') {
      provider = info.provider;
      providerNote = info.providerNote;
      setSetting(core.db, SETTING.provider(args.backbone), provider);
    }
  }
  // Nothing new to embed: report the provider that made the cached features.
  if (provider === 'none') provider = getSetting<string>(core.db, SETTING.provider(args.backbone), 'none');
  const seconds = (performance.now() - started) / 1000;
  return {
    images: images.length,
    embedded: done - failed,
    cached: images.length - total,
    failed,
    seconds: Number(seconds.toFixed(3)),
    images_per_second: Number((done / Math.max(seconds, 1e-9)).toFixed(1)),
    provider,
    ...(providerNote && providerNote !== provider && { provider_note: providerNote }),
    backbone: args.backbone,
    features: args.features,
  };
}
