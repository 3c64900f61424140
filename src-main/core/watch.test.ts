/**
 * Other programs' writes reach the open views: while someone listens to the core's events, another
 * connection's label, threshold, run or import is announced within about a second (watch.ts), the
 * core's own are not announced twice, and nothing is announced when nothing changed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventMap, EventName } from '../../src-shared/contract/events';
import { CORE_EVENTS } from '../../src-shared/contract/events';
import { REPO_ROOT } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';
import { seedLibrary, type SeededLibrary } from '../../test-support/seedLibrary';
import { openDatabase, type Db } from './db/open';
import { LabelService } from './labels/labels';
import { IssueStore } from './ml/issues';
import { RunStore } from './ml/runs';
import { libraryPaths } from './paths';
import { WATCH_INTERVAL_MS, WATCH_MAX_LABEL_CHANGES } from './watch';

type Heard = { name: EventName; payload: EventMap[EventName] };

let lib: SeededLibrary | null = null;
let other: Db | null = null;
afterEach(async () => {
  other?.close();
  other = null;
  await lib?.core.close();
  if (lib) fs.rmSync(lib.dataDir, { recursive: true, force: true });
  lib = null;
});

/** A view listening to every core event, as a transport does. */
function listen(l: SeededLibrary): { heard: Heard[]; off(): void } {
  const heard: Heard[] = [];
  const offs = CORE_EVENTS.filter((n) => n !== 'job.progress').map((name) => l.core.events.on(name, (payload) => heard.push({ name, payload })));
  return { heard, off: () => offs.forEach((f) => f()) };
}

async function until(what: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the library watcher', () => {
  it("announces another connection's label change as label.changed within about a second, and nothing while nothing changes", async () => {
    lib = seedLibrary({ images: 60 });
    const view = listen(lib);
    await sleep(WATCH_INTERVAL_MS * 2.5);
    expect(view.heard).toEqual([]);

    other = openDatabase(libraryPaths(lib.dataDir).db);
    const target = lib.images[3]!.id;
    const before = (other.prepare('SELECT label FROM labels WHERE image_id = ?').get(target) as { label: string | null } | undefined)?.label ?? null;
    const to = before === 'bad' ? 'good' : 'bad';
    const started = Date.now();
    new LabelService(other).set([target], to);
    await until(() => view.heard.length > 0);
    expect(Date.now() - started).toBeLessThan(WATCH_INTERVAL_MS * 2 + 500);
    expect(view.heard).toEqual([{ name: 'label.changed', payload: { changes: [{ image_id: target, old_label: before, new_label: to, old_origin: expect.anything(), new_origin: 'curator' }] } }]);
    view.heard.length = 0;
    await sleep(WATCH_INTERVAL_MS * 2.5);
    expect(view.heard).toEqual([]);
    view.off();
  });

  it("announces another connection's threshold (threshold.changed with the new one in force, runs.changed), not the core's own twice", async () => {
    lib = seedLibrary({ images: 60 });
    const view = listen(lib);
    // The core's own change: announced once, by its handler.
    await lib.core.call('ml.setThreshold', { threshold: 0.3 });
    await sleep(WATCH_INTERVAL_MS * 2.5);
    expect(view.heard.map((h) => h.name)).toEqual(['threshold.changed']);
    view.heard.length = 0;

    other = openDatabase(libraryPaths(lib.dataDir).db);
    new RunStore(other).setCuratorThreshold(0.5, lib.runId);
    await until(() => view.heard.some((h) => h.name === 'runs.changed'));
    const t = view.heard.find((h) => h.name === 'threshold.changed')?.payload as EventMap['threshold.changed'] | undefined;
    expect(t?.curator).toBe(0.5);
    expect(t?.in_force?.threshold).toBe(0.5);
    expect(t?.active_run).toBe(lib.runId);
    expect(view.heard.map((h) => h.name).sort()).toEqual(['runs.changed', 'threshold.changed']);
    view.off();
  });

  it("announces another connection's new run and images in bulk (runs.changed, library.changed 'elsewhere')", async () => {
    lib = seedLibrary({ images: 60 });
    const view = listen(lib);
    other = openDatabase(libraryPaths(lib.dataDir).db);
    other.prepare("INSERT INTO runs (status, params, backbone) VALUES ('running', '{}', 'x')").run();
    other.prepare("INSERT INTO image_urls (url, image_id) VALUES ('https://example.org/another.jpg', ?)").run(lib.images[0]!.id);
    await until(() => view.heard.length >= 2);
    expect(view.heard.map((h) => h.name).sort()).toEqual(['library.changed', 'runs.changed']);
    expect(view.heard.find((h) => h.name === 'library.changed')?.payload).toEqual({ reason: 'elsewhere' });
    view.off();
  });

  it("announces another connection's verdicts on label issues (library.changed 'issues')", async () => {
    lib = seedLibrary({ images: 200 });
    const view = listen(lib);
    const ids = lib.core.context.db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank LIMIT 3').pluck().all(lib.runId) as number[];
    expect(ids).toHaveLength(3);
    // Another program's (`qc issues --confirm`), a verdict changed, then one taken back and another given at once.
    other = openDatabase(libraryPaths(lib.dataDir).db);
    const store = new IssueStore(other);
    const steps = [
      () => store.review([ids[0]!], 'dismiss', lib!.runId),
      () => store.review([ids[1]!], 'confirm', lib!.runId),
      () => store.review([ids[1]!], 'dismiss', lib!.runId),
      () => (store.review([ids[1]!], 'reopen', null), store.review([ids[2]!], 'confirm', lib!.runId)),
    ];
    for (const step of steps) {
      step();
      await until(() => view.heard.length > 0);
      expect(view.heard).toEqual([{ name: 'library.changed', payload: { reason: 'issues' } }]);
      view.heard.length = 0;
    }
    await sleep(WATCH_INTERVAL_MS * 2.5);
    expect(view.heard).toEqual([]);
    view.off();
  });

  it("announces the core's own verdicts once (its handler, naming the images), not again from the watcher", async () => {
    lib = seedLibrary({ images: 200 });
    const view = listen(lib);
    const ids = lib.core.context.db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank LIMIT 2').pluck().all(lib.runId) as number[];
    const open0 = (await lib.core.call('ml.labelIssues', { limit: 0 })).total;
    const r = await lib.core.call('ml.reviewIssues', { imageIds: [ids[0]!, ids[1]!, ids[0]!], action: 'dismiss' });
    expect(r.open).toBe(open0 - 2);
    await sleep(WATCH_INTERVAL_MS * 2.5);
    expect(view.heard).toEqual([{ name: 'library.changed', payload: { reason: 'issues', reviewed: { imageIds: [ids[0], ids[1]], action: 'dismiss' } } }]);
    view.heard.length = 0;
    // A verdict that changes nothing (an image without a label) is not announced.
    const unlabelled = lib.core.context.db.prepare('SELECT image_id FROM labels WHERE label IS NULL LIMIT 1').pluck().get() as number;
    expect((await lib.core.call('ml.reviewIssues', { imageIds: [unlabelled], action: 'confirm' })).changed).toBe(0);
    await sleep(WATCH_INTERVAL_MS * 1.5);
    expect(view.heard).toEqual([]);
    view.off();
  });

  it("announces very many of another connection's label changes as one library.changed, not label.changed", async () => {
    lib = seedLibrary({ images: WATCH_MAX_LABEL_CHANGES + 50 });
    const view = listen(lib);
    other = openDatabase(libraryPaths(lib.dataDir).db);
    const ids = lib.images.map((i) => i.id);
    const bad = new LabelService(other).set(ids, 'bad');
    new LabelService(other).set(ids, 'good');
    expect(bad.changed.length).toBeGreaterThan(WATCH_MAX_LABEL_CHANGES / 2);
    await until(() => view.heard.length > 0);
    await sleep(WATCH_INTERVAL_MS * 1.5);
    expect(view.heard).toEqual([{ name: 'library.changed', payload: { reason: 'elsewhere' } }]);
    view.off();
  });

  it('hears `qc label` run beside the open core', async () => {
    lib = seedLibrary({ images: 60 });
    const view = listen(lib);
    const target = lib.images[5]!.id;
    const args = qcNodeArgs();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [...args, '--data', lib!.dataDir, 'label', String(target), '--as', 'bad'], { cwd: REPO_ROOT, stdio: 'ignore' });
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    await until(() => view.heard.length > 0);
    const labels = view.heard.find((h) => h.name === 'label.changed')?.payload as EventMap['label.changed'] | undefined;
    expect(labels?.changes.map((c) => [c.image_id, c.new_label])).toContainEqual([target, 'bad']);
    view.off();
  }, 60_000);

  it('polls only while someone listens, and stops on close', async () => {
    lib = seedLibrary({ images: 60 });
    const started: unknown[] = [];
    const stopped: unknown[] = [];
    const setSpy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const t = setTimeout(() => {}, 0);
      clearTimeout(t);
      started.push({ fn, ms, t });
      return t;
    }) as typeof setInterval);
    const clearSpy = vi.spyOn(globalThis, 'clearInterval').mockImplementation(((t: unknown) => void stopped.push(t)) as typeof clearInterval);
    try {
      const view = listen(lib);
      expect(started).toHaveLength(1);
      expect((started[0] as { ms: number }).ms).toBe(WATCH_INTERVAL_MS);
      view.off();
      expect(stopped).toEqual([(started[0] as { t: unknown }).t]);
      // Listening again polls again; closing the core stops it.
      const again = listen(lib);
      expect(started).toHaveLength(2);
      await lib.core.close();
      expect(stopped).toEqual([(started[0] as { t: unknown }).t, (started[1] as { t: unknown }).t]);
      again.off();
      expect(started).toHaveLength(2);
      lib.core.close = async () => {};
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });
});
