/**
 * Labels: the current label of each image with its origin, and the append-only history of
 * every change in batches. Imports propose labels from ratings but never overwrite a
 * curator's label; a curator batch can be undone (undo appends a reverting batch).
 */
import { QcError } from '../../../src-shared/contract/errors';
import { DEFAULT_LABEL_RULE, deriveLabel, labelRuleProblems, normalizeLabelRule, sameRule, type Label, type LabelOrigin, type LabelRule, type LabelValue } from '../../../src-shared/domain/label';
import type { LabelBatchResult, LabelChange } from '../../../src-shared/domain/library';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open';
import { pacedAsync } from '../db/paced';
import { getSetting, setSetting, SETTING } from '../db/settings';
import { countedRatingSql } from './countedRows';
import { heldHere, ownerEnded, ownersOf, thisProcess } from '../library/store';
import { countOf, noun } from '../../../src-shared/domain/words';

/**
 * A rule change relabels in transactions of RELABEL_CHUNK images with a pause between them (one
 * transaction over a million images would hold the write lock ~45 s: every other writer would fail
 * past its busy timeout). Where it has got to is stored with the rule, so a relabelling whose
 * process ended is finished by the next process that opens the library.
 */
const RELABEL_CHUNK = 2_000;

/** SETTING.labelRelabel: the rule change `version` has relabelled the images up to id `after`. */
interface RelabelState {
  version: string;
  after: number;
  pid: number;
  start: string | null;
  /**
   * Stopped by a cancel in process `pid`, which keeps it from itself (a Cancel in the app is not
   * undone by the app's next status call) while any other process that opens the library finishes it.
   */
  paused?: true;
}

type BatchActor = 'import' | 'curator' | 'undo' | 'rule';

/** How a relabelling after a rule change is followed and stopped. */
export interface RelabelOptions {
  /** Stops it between two transactions; the rest is left for the next open. */
  signal?: AbortSignal;
  /** Import labels gone through of those it had to go through. */
  progress?: (done: number, total: number) => void;
}

interface LabelRow {
  label: LabelValue;
  origin: LabelOrigin;
}

/** Which labels of a change were changed since, in words: "the label", "both labels", "all 3 labels", "1 of the 2 labels". */
function changedWords(changed: number, of: number): string {
  if (changed < of) return `${changed} of the ${countOf(of, 'label')}`;
  return of === 1 ? 'the label' : of === 2 ? 'both labels' : `all ${countOf(of, 'label')}`;
}

export class LabelService {
  private readonly q;
  /** The rule changes this process is relabelling on this library (a state with its pid but not in here has ended). */
  private readonly relabelling: Set<string>;
  /** Those of them this service cancelled part way (kept in `relabelling` until releasePaused). */
  private readonly pausedHere = new Set<string>();

  constructor(private readonly db: Db) {
    this.relabelling = heldHere(db, 'relabels');
    this.q = {
      get: db.prepare<[number], LabelRow>('SELECT label, origin FROM labels WHERE image_id = ?'),
      upsert: db.prepare<[number, LabelValue, LabelOrigin]>(
        `INSERT INTO labels (image_id, label, origin) VALUES (?, ?, ?)
         ON CONFLICT (image_id) DO UPDATE SET label = excluded.label, origin = excluded.origin, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      ),
      batch: db.prepare<[BatchActor, number | null, number | null]>('INSERT INTO label_batches (actor, reverts, import_id) VALUES (?, ?, ?)'),
      event: db.prepare<[number, number, LabelValue, LabelValue, LabelOrigin | null, LabelOrigin]>(
        'INSERT INTO label_events (batch_id, image_id, old_label, new_label, old_origin, new_origin) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      exists: db.prepare<[number], { id: number }>('SELECT id FROM images WHERE id = ?'),
      evidence: db.prepare<[number], { rating: number | null; exemplar: number; folder_label: Label | null }>(
        // A rating another file holds before counts once (countedRows.ts).
        `SELECT ${countedRatingSql('s')} AS rating, s.exemplar, s.folder_label FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ?`,
      ),
      setDerived: db.prepare<[number | null, number | null, number, number]>('UPDATE images SET rating = ?, rating_class = ?, exemplar = ? WHERE id = ?'),
      lastUndoable: db.prepare<[], { id: number }>(
        `SELECT b.id FROM label_batches b WHERE b.actor = 'curator'
           AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id)
         ORDER BY b.id DESC LIMIT 1`,
      ),
      curatorBatch: db.prepare<[number], { id: number; undone: number }>(
        `SELECT b.id, EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id) AS undone FROM label_batches b WHERE b.id = ? AND b.actor = 'curator'`,
      ),
      /** A later curator batch, not undone, that set this image's label (its label was changed since). */
      laterLiveChange: db.prepare<[number, number], { n: number }>(
        `SELECT 1 AS n FROM label_events e JOIN label_batches b ON b.id = e.batch_id
          WHERE e.image_id = ? AND e.batch_id > ? AND b.actor = 'curator'
            AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id) LIMIT 1`,
      ),
      batchEvents: db.prepare<[number], { image_id: number; old_label: LabelValue; new_label: LabelValue; old_origin: LabelOrigin | null; new_origin: LabelOrigin }>(
        'SELECT image_id, old_label, new_label, old_origin, new_origin FROM label_events WHERE batch_id = ? ORDER BY id DESC',
      ),
      importOriginAfter: db.prepare<[number, number], { image_id: number }>("SELECT image_id FROM labels WHERE origin = 'import' AND image_id > ? ORDER BY image_id LIMIT ?"),
      importOriginCountAfter: db.prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM labels WHERE origin = 'import' AND image_id > ?"),
      clearRelabel: db.prepare<[string]>('DELETE FROM settings WHERE key = ?'),
    };
  }

  rule(): LabelRule {
    return getSetting(this.db, SETTING.labelRule, DEFAULT_LABEL_RULE);
  }

  /** A batch id is allocated lazily, so a batch with no change leaves no trace. */
  private batchWriter(actor: BatchActor, reverts: number | null = null, importId: number | null = null) {
    let batchId: number | null = null;
    const changes: LabelChange[] = [];
    return {
      write: (imageId: number, next: LabelValue, origin: LabelOrigin): boolean => {
        const cur = this.q.get.get(imageId) ?? null;
        if (cur && cur.label === next && cur.origin === origin) return false;
        batchId ??= Number(this.q.batch.run(actor, reverts, importId).lastInsertRowid);
        this.q.upsert.run(imageId, next, origin);
        this.q.event.run(batchId, imageId, cur?.label ?? null, next, cur?.origin ?? null, origin);
        changes.push({ image_id: imageId, old_label: cur?.label ?? null, new_label: next, old_origin: cur?.origin ?? null, new_origin: origin });
        return true;
      },
      result: (unchanged: number): LabelBatchResult => ({ batch_id: batchId, changed: changes, unchanged }),
    };
  }

  /**
   * Recompute an image's rating from every source row that points at it and, unless a curator
   * owns its label, its import label. Call inside the importer's (IMMEDIATE) transaction: the rule
   * is read there, so a rule changed by another process during a long import applies to the rest of it.
   */
  importWriter(importId: number | null, actor: BatchActor = 'import') {
    const writer = this.batchWriter(actor, null, importId);
    return {
      apply: (imageId: number): void => {
        const derived = this.derive(imageId, this.rule());
        this.q.setDerived.run(derived.value, derived.ratingClass, derived.exemplar ? 1 : 0, imageId);
        const cur = this.q.get.get(imageId);
        if (cur?.origin === 'curator') return;
        writer.write(imageId, derived.label, 'import');
      },
      result: writer.result,
    };
  }

  /** The rating and import label that an image's source rows give under `rule`. */
  private derive(imageId: number, rule: LabelRule) {
    const rows = this.q.evidence.all(imageId);
    const exemplar = rows.some((r) => r.exemplar === 1);
    const derived = deriveLabel(
      {
        ratings: rows.filter((r) => r.rating !== null).map((r) => r.rating as number),
        exemplar,
        folderLabels: rows.filter((r) => r.folder_label).map((r) => r.folder_label as Label),
      },
      rule,
    );
    return { ...derived, exemplar };
  }

  /** A curator sets the label of some images (one undoable batch). */
  set(imageIds: number[], label: LabelValue): LabelBatchResult {
    const ids = [...new Set(imageIds)];
    for (const id of ids) {
      if (!Number.isInteger(id) || !this.q.exists.get(id)) throw new QcError('not_found', `no image with id ${id}`);
    }
    return this.db.transaction(() => {
      const writer = this.batchWriter('curator');
      let unchanged = 0;
      for (const id of ids) if (!writer.write(id, label, 'curator')) unchanged++;
      return writer.result(unchanged);
    }).immediate();
  }

  /**
   * A curator's decisions carried from elsewhere (the curator rows of a tag file another library
   * exported: ml/tagImport.ts), each image with its own label, as one undoable curator batch. A
   * different curator label already here (a cleared one included) is the library's own decision:
   * it is kept, and its image listed in `conflicts`. Joins the caller's transaction when there is one.
   */
  carry(labels: ReadonlyMap<number, Label>): LabelBatchResult & { conflicts: number[] } {
    return this.db.transaction(() => {
      const writer = this.batchWriter('curator');
      let unchanged = 0;
      const conflicts: number[] = [];
      for (const [id, label] of labels) {
        const cur = this.q.get.get(id);
        if (cur?.origin === 'curator' && cur.label !== label) conflicts.push(id);
        else if (!writer.write(id, label, 'curator')) unchanged++;
      }
      return { ...writer.result(unchanged), conflicts };
    }).immediate();
  }

  /**
   * Undo curator batch `batchId` (else the newest curator batch not undone yet) by appending a
   * reverting batch. Refused (`conflict`, nothing written) when the batch is undone already, or when
   * one of its images no longer has the label it set, or a later curator change (not undone) set it
   * since: an undo never overwrites a label someone set after it.
   */
  undo(batchId?: number): LabelBatchResult {
    return this.db.transaction(() => {
      let target: number;
      if (batchId === undefined) {
        const last = this.q.lastUndoable.get();
        if (!last) return { batch_id: null, changed: [], unchanged: 0 };
        target = last.id;
      } else {
        const b = this.q.curatorBatch.get(batchId);
        if (!b) throw new QcError('not_found', `no curator label change with batch id ${batchId}`);
        if (b.undone) throw new QcError('conflict', `label change ${batchId} is undone already; nothing was changed`);
        target = b.id;
      }
      const events = this.q.batchEvents.all(target);
      const changedSince = events.filter((e) => {
        const cur = this.q.get.get(e.image_id);
        return !cur || cur.label !== e.new_label || cur.origin !== e.new_origin || this.q.laterLiveChange.get(e.image_id, target) !== undefined;
      }).length;
      if (changedSince) {
        throw new QcError(
          'conflict',
          `${changedWords(changedSince, events.length)} of change ${target} ${noun(changedSince, 'was', 'were')} changed since (another window or the command line); nothing was undone`,
        );
      }
      const writer = this.batchWriter('undo', target);
      // Write a batch row even if every event is a no-op, so the batch counts as undone.
      let unchanged = 0;
      const rule = this.rule();
      for (const e of events) {
        // Back to an import label: the one the current rows and rule give (they may have changed since).
        const restored = e.old_origin === 'curator' ? e.old_label : this.derive(e.image_id, rule).label;
        if (!writer.write(e.image_id, restored, e.old_origin ?? 'import')) unchanged++;
      }
      const result = writer.result(unchanged);
      if (result.batch_id === null) this.q.batch.run('undo', target, null);
      return result;
    }).immediate();
  }

  /**
   * Change the aggregation rule and re-derive every import-origin label under it: the rule is
   * stored first, then the labels follow in short transactions (imports running meanwhile already
   * use the new rule). A later rule change takes over: this one stops where it is. With `expected`
   * (the rule an edit started from), a rule that is no longer the stored one is refused
   * (`conflict`) and nothing changes: an edit never silently undoes a change made elsewhere.
   * `progress` hears how many of the import labels it has gone through; a `signal` that aborts
   * stops it between two transactions with the new rule stored (`unfinished`): the other labels
   * follow it when the library is next opened ({@link finishRelabel}), as after a kill.
   */
  async setRule(given: LabelRule, expected?: LabelRule, opts: RelabelOptions = {}): Promise<{ rule: LabelRule; relabelled: number; unfinished?: true; folder_decided?: number }> {
    const rule = normalizeLabelRule(given);
    const problems = labelRuleProblems(rule);
    if (problems.length) throw new QcError('bad_input', `invalid label rule: ${problems.join('; ')}`);
    const me = thisProcess();
    const state: RelabelState = { version: randomUUID(), after: 0, pid: me.pid, start: me.start };
    this.db.transaction(() => {
      // Read and written in one IMMEDIATE transaction: no other process changes the rule in between.
      if (expected && !sameRule(expected, this.rule())) {
        throw new QcError('conflict', 'the label rule was changed elsewhere (another window or the command line) since this edit began; nothing was saved: look at the current rule and make the change again');
      }
      setSetting(this.db, SETTING.labelRule, rule);
      setSetting(this.db, SETTING.labelRelabel, state);
    }).immediate();
    const relabelled = await this.follow(state, opts);
    const folders = this.folderDecided();
    return { rule, relabelled, ...(this.stillRelabelling(state.version) && { unfinished: true as const }), ...(folders > 0 && { folder_decided: folders }) };
  }

  /**
   * Import labels that a folder decides (an import of `images/agg/bad|good` folders, as the
   * training export writes them: a folder label wins over ratings, domain/label.ts deriveLabel),
   * so that no rule changes them; exemplars excepted (their own rule). A library that never
   * imported such a folder is answered by one look for a folder row.
   */
  folderDecided(): number {
    if (!this.db.prepare('SELECT 1 FROM source_rows WHERE folder_label IS NOT NULL LIMIT 1').get()) return 0;
    return this.db
      .prepare(
        `SELECT COUNT(*) FROM (
           SELECT u.image_id FROM source_rows s JOIN image_urls u ON u.url = s.url
           GROUP BY u.image_id HAVING MAX(s.folder_label IS NOT NULL) = 1 AND MAX(s.exemplar) = 0
         ) f JOIN labels l ON l.image_id = f.image_id AND l.origin = 'import'`,
      )
      .pluck()
      .get() as number;
  }

  /**
   * Finish a rule change whose process ended before its labels all followed (killed, power cut, or
   * cancelled). Taken over first (this process's pid on it, in one IMMEDIATE transaction: two
   * processes opening the library do not both take it, and one that ends doing it leaves it to the
   * next), then relabelled as {@link setRule} does, in short transactions with a pause between them
   * (the process answers its other calls meanwhile), until done or `opts.signal` aborts.
   * Returns how many labels changed (0 when none was left).
   */
  async finishRelabel(opts: RelabelOptions = {}): Promise<number> {
    const me = thisProcess();
    // Looked for without the write lock first: every open asks, and nearly always there is none.
    if (this.pendingRelabel() !== 'left') return 0;
    const taken = this.db
      .transaction((): RelabelState | null => {
        const state = getSetting<RelabelState | null>(this.db, SETTING.labelRelabel, null);
        if (!state || this.whose(state) !== 'left') return null;
        const { paused: _, ...rest } = state;
        const mine = { ...rest, pid: me.pid, start: me.start };
        setSetting(this.db, SETTING.labelRelabel, mine);
        return mine;
      })
      .immediate();
    return taken ? this.follow(taken, opts) : 0;
  }

  /**
   * Whether a rule change's labels are still following it: `left` for this process to finish (its
   * process ended, or another process cancelled it), `running` (a live process relabels: another,
   * or this one), `paused` (cancelled here: left to the next process, or this library's next open
   * here), or null when none is.
   */
  pendingRelabel(): 'left' | 'running' | 'paused' | null {
    const state = getSetting<RelabelState | null>(this.db, SETTING.labelRelabel, null);
    return state ? this.whose(state) : null;
  }

  private whose(state: RelabelState): 'left' | 'running' | 'paused' {
    const here = this.relabelling.has(state.version);
    if (state.paused) return here ? 'paused' : 'left';
    return ownerEnded({ pid: state.pid, start: state.start }, () => here, ownersOf(this.db)) ? 'left' : 'running';
  }

  /** Let go of the rule changes this service cancelled (the library closes): its next open here takes them up. */
  releasePaused(): void {
    for (const version of this.pausedHere) this.relabelling.delete(version);
    this.pausedHere.clear();
  }

  /** Whether rule change `version` still has labels to relabel (cancelled part way: its state is still stored). */
  private stillRelabelling(version: string): boolean {
    return getSetting<RelabelState | null>(this.db, SETTING.labelRelabel, null)?.version === version;
  }

  /** Relabel for rule change `state` (owned by this process) from where it got to; how many labels changed. */
  private async follow(state: RelabelState, { signal, progress }: RelabelOptions): Promise<number> {
    this.relabelling.add(state.version);
    let paused = false;
    try {
      const total = progress ? this.q.importOriginCountAfter.get(state.after)!.n : 0;
      const writer = this.importWriter(null, 'rule');
      await pacedAsync(this.relabel(state.version, writer, signal, progress && ((done) => progress(Math.min(done, total), total))));
      // Cancelled part way: marked paused, and kept from this process (it stays in `relabelling`):
      // the app's next status call would otherwise take it up again at once, behind the Cancel.
      paused = signal?.aborted === true && this.pause(state.version);
      if (paused) this.pausedHere.add(state.version);
      return writer.result(0).changed.length;
    } finally {
      if (!paused) this.relabelling.delete(state.version);
    }
  }

  /** Mark rule change `version` paused if it is still the one relabelling; whether it was. */
  private pause(version: string): boolean {
    return this.db
      .transaction(() => {
        const state = getSetting<RelabelState | null>(this.db, SETTING.labelRelabel, null);
        if (state?.version !== version) return false;
        setSetting(this.db, SETTING.labelRelabel, { ...state, paused: true });
        return true;
      })
      .immediate();
  }

  /**
   * Relabel for rule change `version` in transactions of RELABEL_CHUNK images, yielding between
   * them, until done, superseded or `signal` aborts (checked before each transaction); `progress`
   * hears how many images it has gone through.
   */
  private *relabel(version: string, writer: ReturnType<LabelService['importWriter']>, signal?: AbortSignal, progress?: (done: number) => void): Generator<void> {
    let done = 0;
    progress?.(0);
    while (!signal?.aborted) {
      const step = this.relabelChunk(version, writer);
      done += step.images;
      progress?.(done);
      if (!step.more) return;
      yield;
    }
  }

  /** Relabel the next RELABEL_CHUNK images of rule change `version`; `more` false when it is done or superseded. */
  private relabelChunk(version: string, writer: ReturnType<LabelService['importWriter']>): { images: number; more: boolean } {
    return this.db.transaction(() => {
      const state = getSetting<RelabelState | null>(this.db, SETTING.labelRelabel, null);
      if (!state || state.version !== version) return { images: 0, more: false };
      const ids = this.q.importOriginAfter.all(state.after, RELABEL_CHUNK).map((r) => r.image_id);
      for (const id of ids) writer.apply(id);
      if (ids.length < RELABEL_CHUNK) {
        this.q.clearRelabel.run(SETTING.labelRelabel);
        return { images: ids.length, more: false };
      }
      setSetting(this.db, SETTING.labelRelabel, { ...state, after: ids[ids.length - 1]! });
      return { images: ids.length, more: true };
    }).immediate();
  }
}
