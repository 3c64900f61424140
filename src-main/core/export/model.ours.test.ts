/**
 * `qc export-model` (export.model) and `qc run --graphs` (export.graphs) replace only their own
 * earlier files, as the tag exports do: a user's model.onnx, model-card.json or a file at a graph's
 * name is refused (bad_input naming it, "move or rename that file"), nothing is published and the
 * folder is as it was; the app's own earlier export, a half-published one included, is replaced.
 * A real trained library, real exports, real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qcRejection, tempDir } from '../../../test-support/fixtures';
import { useTrainedDevCore } from '../../../test-support/trainedLibrary';

/** Every file below `dir` (relative paths) and its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs)] = e.isFile() ? fs.readFileSync(abs).toString('base64') : e.isDirectory() ? '(folder)' : '(other)';
  }
  return out;
}

describe('model and graph exports and the files of the user', () => {
  const core = useTrainedDevCore();
  const dir = tempDir();
  const runId = () => core().context.db.prepare("SELECT MAX(id) FROM runs WHERE status = 'done'").pluck().get() as number;

  it("export.model refuses a user's model.onnx, model-card.json or graph, and publishes nothing", async () => {
    const run = runId();
    const cases: [string, string][] = [
      ['model.onnx', 'precious model\n'],
      ['model-card.json', '{"mine":1}\n'],
      [`train_graphs/run-${run}-loss.svg`, 'mine\n'],
      [`train_graphs/run-${run}-accuracy.png`, 'mine\n'],
    ];
    for (const [name, text] of cases) {
      const out = path.join(dir, `refused-${path.basename(name)}`);
      fs.mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
      fs.writeFileSync(path.join(out, name), text);
      const before = snapshot(out);
      const e = await qcRejection(core().call('export.model', { runId: run, outDir: out }));
      expect(e.code, name).toBe('bad_input');
      expect(e.message).toContain(`${path.join(out, name)}: already there and not a`);
      expect(e.message).toContain('move or rename that file');
      expect(snapshot(out), name).toEqual(before);
    }
  }, 240_000);

  it('export.model replaces its own earlier export, a half-published one too, and leaves a graph of the user\'s for another run', async () => {
    const run = runId();
    const out = path.join(dir, 'own');
    const first = await core().call('export.model', { runId: run, outDir: out });
    const card = JSON.parse(fs.readFileSync(first.card, 'utf8')) as { exported_at: string };
    // A kill while publishing leaves the model and graphs with no card: still ours.
    fs.rmSync(first.card);
    // The user's file where another run's graph would be is not an older export's to remove.
    fs.writeFileSync(path.join(out, 'train_graphs', 'run-999-loss.svg'), 'mine\n');
    const second = await core().call('export.model', { runId: run, outDir: out });
    expect(JSON.parse(fs.readFileSync(second.card, 'utf8')).run_id).toBe(run);
    // And once more, over the complete export.
    await new Promise((r) => setTimeout(r, 5));
    const third = await core().call('export.model', { runId: run, outDir: out });
    expect(JSON.parse(fs.readFileSync(third.card, 'utf8')).exported_at).not.toBe(card.exported_at);
    expect(fs.readFileSync(path.join(out, 'train_graphs', 'run-999-loss.svg'), 'utf8')).toBe('mine\n');
    expect(fs.readdirSync(path.join(out, 'train_graphs')).sort()).toEqual([...['accuracy.png', 'accuracy.svg', 'loss.png', 'loss.svg'].map((n) => `run-${run}-${n}`), 'run-999-loss.svg'].sort());
  }, 240_000);

  it("export.graphs refuses a user's file at a graph's name, writes none of the graphs, and replaces its own", async () => {
    const run = runId();
    const out = path.join(dir, 'graphs');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, `run-${run}-loss.svg`), 'mine\n');
    const before = snapshot(out);
    const e = await qcRejection(core().call('export.graphs', { runId: run, outDir: out }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(`${path.join(out, `run-${run}-loss.svg`)}: already there and not a train graph`);
    expect(snapshot(out)).toEqual(before);

    fs.rmSync(path.join(out, `run-${run}-loss.svg`));
    const first = await core().call('export.graphs', { runId: run, outDir: out });
    expect(first.files.map((f) => path.basename(f)).sort()).toEqual(['accuracy.png', 'accuracy.svg', 'loss.png', 'loss.svg'].map((n) => `run-${run}-${n}`));
    const again = await core().call('export.graphs', { runId: run, outDir: out });
    expect(again.files).toEqual(first.files);
    expect(fs.readdirSync(out).sort()).toEqual(first.files.map((f) => path.basename(f)).sort());
  }, 240_000);
});
