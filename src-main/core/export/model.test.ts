/**
 * export-model: the exported ONNX file, loaded back through onnxruntime-node from nothing but the
 * decoded image (and, for a run that used them, the documented extra feature blocks), gives the
 * p(bad) that `qc classify` wrote, within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../app';
import { P_BAD_OUTPUT_NOTE } from './model';
import { decodeRgb } from '../ml/backbone/preprocess';
import { featureKey } from '../ml/embed';
import { FeatureStore } from '../ml/featureStore';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';

const TRAIN_ROWS = 90;
const BUNDLE_ROWS = 24;

interface Scored {
  id: string;
  file: string;
  pBad: number;
}

/** p_bad per image id from a finaltags TSV. */
function readFinalTags(file: string): Map<string, number> {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split('\t');
  const at = (c: string) => cols.indexOf(c);
  return new Map(rows.map((r) => r.split('\t')).map((c) => [c[at('identifier')]!, Number(c[at('p_bad')])]));
}

/**
 * The README's Python example as a curator copies it: the ```python block after "In Python (`pip
 * install onnxruntime pillow numpy`):" in README.md, its list indent removed.
 */
function readmePythonSnippet(): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const m = /In Python \(`pip install onnxruntime pillow numpy`\):\s*\n( *)```python\n([\s\S]*?)\n *```/.exec(readme);
  if (!m) throw new Error('README.md: no Python example after "In Python (`pip install onnxruntime pillow numpy`):"');
  const indent = m[1]!.length;
  return m[2]!.split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n') + '\n';
}

/**
 * Runs the README snippet (argv: snippet file, model, mode, then image/output pairs) on each image,
 * with "model.onnx" and "photo.jpg" replaced by the files. `whole`: the snippet as written, its
 * printed line saved. `preprocessing`: without onnxruntime's lines (its import, the session, the
 * p_bad it computes and prints), then its `x` saved as height, width (uint32 LE) and the bytes.
 */
const SNIPPET_RUNNER = [
  'import contextlib, io, sys',
  'import numpy as np',
  'snippet, model, mode = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]',
  'if mode == "preprocessing":',
  '    lines = snippet.replace("import numpy as np, onnxruntime as ort", "import numpy as np").split("\\n")',
  '    kept = [l for l in lines if not any(w in l for w in ("ort.", "session", "p_bad"))]',
  '    assert len(lines) - len(kept) == 3, "the README snippet no longer has the three onnxruntime lines this test leaves out"',
  '    snippet = "\\n".join(kept)',
  'for image, out in zip(sys.argv[4::2], sys.argv[5::2]):',
  '    code = snippet.replace(\'"model.onnx"\', repr(model)).replace(\'"photo.jpg"\', repr(image))',
  '    scope, printed = {}, io.StringIO()',
  '    with contextlib.redirect_stdout(printed):',
  '        exec(compile(code, "README.md snippet", "exec"), scope)',
  '    if mode == "whole":',
  '        open(out, "w").write(printed.getvalue())',
  '    else:',
  '        x = scope["x"]',
  '        assert x.dtype == np.uint8 and x.ndim == 4 and x.shape[0] == 1 and x.shape[3] == 3, x.shape',
  '        open(out, "wb").write(np.array(x.shape[1:3], dtype="<u4").tobytes() + np.ascontiguousarray(x).tobytes())',
].join('\n');

describe('export-model', () => {
  const dir = tempDir();
  let core: Core;
  let bundle: string;
  let bundleIds: string[];

  beforeAll(async () => {
    core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
    const ratings = path.join(dir, 'ratings.txt');
    fs.writeFileSync(ratings, `${lines.slice(0, TRAIN_ROWS + 1).join('\n')}\n`, 'latin1');
    await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    // A bundle of dev photos the runs never saw, in EOL's bundle format.
    const rest = lines.slice(TRAIN_ROWS + 1, TRAIN_ROWS + 1 + BUNDLE_ROWS).map((l) => l.split('\t'));
    bundleIds = rest.map((c) => c[0]!);
    bundle = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tdataObjectVersionID\tancestry', ...rest.map((c) => `${c[1]}\t${c[0]}\t${c[0]}\t{}`)].join('\n') + '\n');
  }, 180_000);

  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function classifyWith(runId: number, out: string): Promise<Scored[]> {
    await core.call('ml.classify', { source: bundle, outDir: out, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }], runId });
    const p = readFinalTags(path.join(out, 'bundle_finaltags.tsv'));
    return bundleIds.map((id) => ({ id, file: path.join(DEV_IMAGES, `${id}.jpg`), pBad: p.get(id)! }));
  }

  async function imageTensor(file: string): Promise<ort.Tensor> {
    const img = await decodeRgb(file);
    return new ort.Tensor('uint8', img.data, [1, img.height, img.width, 3]);
  }

  it('a whole-image MLP run: the image alone gives qc classify\'s p(bad) within 1e-4', async () => {
    const run = await core.call('ml.train', { features: ['whole'], hidden: 32, epochs: 8 });
    const scored = await classifyWith(run.run_id, path.join(dir, 'out-whole'));
    const out = path.join(dir, 'model-whole');
    const r = await core.call('export.model', { runId: run.run_id, outDir: out });
    expect(r.extra_inputs).toEqual([]);
    const card = JSON.parse(fs.readFileSync(r.card, 'utf8'));
    expect(card).toMatchObject({ run_id: run.run_id, features: ['whole'], head: { kind: 'mlp', hidden: 32 }, preprocessing: { needs_only_the_image: true } });
    expect(card.training_data.snapshot_hash).toBe(run.snapshot!.hash);
    expect(card.thresholds.recommended_bad).toBe(run.recommended_threshold.bad);
    expect(card.metrics.test_auc).toBe(run.metrics!.test_auc);

    const session = await ort.InferenceSession.create(r.model);
    expect(session.inputNames).toEqual(['image']);
    let worst = 0;
    for (const s of scored) {
      const { p_bad } = await session.run({ image: await imageTensor(s.file) });
      const p = (p_bad!.data as Float32Array)[0]!;
      worst = Math.max(worst, Math.abs(p - s.pBad));
    }
    expect(Number.isFinite(worst)).toBe(true);
    expect(worst).toBeLessThan(1e-4);
    // The scores are not all alike: the comparison means something.
    expect(Math.max(...scored.map((s) => s.pBad)) - Math.min(...scored.map((s) => s.pBad))).toBeGreaterThan(0.1);

    // The images the run trained on: the library holds their out-of-fold p(bad), which this model
    // (trained on them) does not give; its test images' p(bad) it gives. The card says so.
    expect(card.outputs[0].description).toBe(P_BAD_OUTPUT_NOTE);
    expect(P_BAD_OUTPUT_NOTE).toMatch(/did not train on/);
    expect(P_BAD_OUTPUT_NOTE).toMatch(/train and validation images .* out-of-fold p\(bad\)/);
    const stored = core.context.db
      .prepare('SELECT u.url, p.p_bad, s.split FROM predictions p JOIN splits s ON s.image_id = p.image_id JOIN image_urls u ON u.image_id = p.image_id WHERE p.run_id = ? AND u.url LIKE ?')
      .all(run.run_id, `${DEV_URL_PREFIX}%`) as { url: string; p_bad: number; split: string }[];
    const gap = { trained: 0, test: 0 };
    for (const x of stored) {
      const { p_bad } = await session.run({ image: await imageTensor(path.join(DEV_IMAGES, x.url.slice(DEV_URL_PREFIX.length))) });
      const d = Math.abs((p_bad!.data as Float32Array)[0]! - x.p_bad);
      const side = x.split === 'test' ? 'test' : 'trained';
      gap[side] = Math.max(gap[side], d);
    }
    console.log(`whole-image export vs the library's p(bad): largest difference ${gap.trained.toFixed(3)} on train/validation images (out of fold), ${gap.test.toExponential(2)} on test images`);
    expect(stored.some((x) => x.split === 'test') && stored.some((x) => x.split !== 'test')).toBe(true);
    expect(gap.test).toBeLessThan(1e-4);
    expect(gap.trained).toBeGreaterThan(1e-2);
  }, 240_000);

  it('a run on the int8 backbone exports its quantised graph: the image alone gives qc classify\'s p(bad)', async () => {
    const run = await core.call('ml.train', { backbone: 'mobilenet_v2_nsfwjs_int8', features: ['whole'], hidden: 0, epochs: 8 });
    expect(run.backbone).toBe('mobilenet_v2_nsfwjs_int8');
    const scored = await classifyWith(run.run_id, path.join(dir, 'out-int8'));
    const r = await core.call('export.model', { runId: run.run_id, outDir: path.join(dir, 'model-int8') });
    const session = await ort.InferenceSession.create(r.model);
    const diffs: number[] = [];
    for (const s of scored) {
      const { p_bad } = await session.run({ image: await imageTensor(s.file) });
      diffs.push(Math.abs((p_bad!.data as Float32Array)[0]! - s.pBad));
    }
    const worst = Math.max(...diffs);
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    console.log(`int8 export vs qc classify: p(bad) difference mean ${mean.toExponential(2)}, largest ${worst.toExponential(2)} over ${scored.length} photos`);
    // Not 1e-4 as for float32: the graph resizes inside ONNX, ~1e-6 away from qc's resize, and
    // an activation that lands on the other side of a rounding step carries that step onward
    // (measured here: mean 0.004, largest 0.015 over 24 photos; 0.011 and 0.08 with ranges from a
    // slightly different calibration). The README says so beside the export.
    expect(mean).toBeLessThan(0.03);
    expect(worst).toBeLessThan(0.15);
    expect(Math.max(...scored.map((s) => s.pBad)) - Math.min(...scored.map((s) => s.pBad))).toBeGreaterThan(0.1);
  }, 240_000);

  // The README's Python example, run as the curator copies it: with /usr/bin/python3's Pillow and
  // numpy (Debian's python3-pil; CI installs no Python package, so there it is skipped, saying
  // why). With onnxruntime for Python too the whole snippet runs; without it (not packaged by
  // Debian) its preprocessing runs, every line but the session's, and its pixels go through the
  // exported model in onnxruntime-node instead.
  const python = (modules: string) => spawnSync('/usr/bin/python3', ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0;
  const pillow = python('PIL, numpy');
  const pyOrt = pillow && python('onnxruntime');
  const snippetTitle = `the README's Python snippet (${pyOrt ? 'whole, onnxruntime for Python' : 'its preprocessing; onnxruntime for Python is not installed, so the model runs in onnxruntime-node'}) gives qc classify's p(bad) within 1e-4, and a transparent PNG's, a colour-profiled JPEG's and a 16-bit greyscale PNG's pixels as the app decodes them (on black, in sRGB, 8 bits)`;
  it.skipIf(!pillow)(pillow ? snippetTitle : 'the README\'s Python snippet: skipped, /usr/bin/python3 lacks Pillow or numpy (Debian: apt-get install python3-pil python3-numpy)', async () => {
    const run = await core.call('ml.train', { features: ['whole'], hidden: 0, epochs: 8 });
    const scored = await classifyWith(run.run_id, path.join(dir, 'out-pillow'));
    const r = await core.call('export.model', { runId: run.run_id, outDir: path.join(dir, 'model-pillow') });
    const raw = path.join(dir, 'pillow');
    fs.mkdirSync(raw);
    // A transparent PNG: a hidden colour under alpha 0 (convert("RGB") alone would show it), half-transparent green, opaque blue.
    const png = path.join(raw, 'transparent.png');
    const [w, h] = [48, 30];
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = x < 16 ? [200, 30, 90, 0] : x < 32 ? [10, 220, 40, 128] : [20, 40, 230, 255];
        rgba.set(px, (y * w + x) * 4);
      }
    }
    await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toFile(png);
    // Photos with an embedded colour profile (Display P3: their bytes are not sRGB's, and the app
    // converts them to sRGB), and a 16-bit greyscale PNG with every low byte in use (Pillow opens it
    // as 32-bit integers, which convert() clips to white).
    const profiled = await Promise.all(
      scored.slice(0, 4).map(async (s) => {
        const file = path.join(raw, `p3-${s.id}.jpg`);
        await sharp(s.file).withIccProfile('p3').jpeg({ quality: 92 }).toFile(file);
        expect((await sharp(file).metadata()).icc).toBeDefined();
        return { id: `p3-${s.id}`, file };
      }),
    );
    const grey16 = path.join(raw, 'grey16.png');
    {
      const { data, info } = await sharp(scored[4]!.file).greyscale().raw().toBuffer({ resolveWithObject: true });
      const deep = new Uint16Array(info.width * info.height);
      for (let i = 0; i < deep.length; i++) deep[i] = data[i * info.channels]! * 256 + ((i * 37) & 255);
      await sharp(deep, { raw: { width: info.width, height: info.height, channels: 1 } }).toColourspace('grey16').png().toFile(grey16);
      expect((await sharp(grey16).metadata()).depth).toBe('ushort');
    }
    const decoded = [...profiled, { id: 'grey16', file: grey16 }];
    const images = [...scored.map((s) => ({ id: s.id, file: s.file })), { id: 'transparent', file: png }, ...decoded];
    const args = images.flatMap((s) => [s.file, path.join(raw, `${s.id}.out`)]);
    const snippetFile = path.join(raw, 'snippet.py');
    fs.writeFileSync(snippetFile, readmePythonSnippet());
    const py = spawnSync('/usr/bin/python3', ['-c', SNIPPET_RUNNER, snippetFile, r.model, pyOrt ? 'whole' : 'preprocessing', ...args], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const session = await ort.InferenceSession.create(r.model);
    /** p(bad) of an image by the snippet: printed by it, or its pixels through the model here. */
    const snippetPBad = async (id: string): Promise<{ p: number; pixels: Buffer | null }> => {
      const out = fs.readFileSync(path.join(raw, `${id}.out`));
      if (pyOrt) return { p: Number(out.toString('utf8').trim().split(/\s+/).at(-1)), pixels: null };
      const [ih, iw] = [out.readUInt32LE(0), out.readUInt32LE(4)];
      const pixels = out.subarray(8);
      const { p_bad } = await session.run({ image: new ort.Tensor('uint8', new Uint8Array(pixels), [1, ih, iw, 3]) });
      return { p: (p_bad!.data as Float32Array)[0]!, pixels };
    };
    let worst = 0;
    for (const s of scored) worst = Math.max(worst, Math.abs((await snippetPBad(s.id)).p - s.pBad));
    console.log(`README snippet (${pyOrt ? 'whole' : 'preprocessing'}) vs qc classify: largest p(bad) difference ${worst.toExponential(2)} over ${scored.length} photos`);
    expect(worst).toBeLessThan(1e-4);
    // The transparent PNG: the app's decode (on black) and the snippet's agree, pixels and p(bad).
    const app = await decodeRgb(png);
    const { p_bad: appP } = await session.run({ image: await imageTensor(png) });
    const t = await snippetPBad('transparent');
    expect(Math.abs(t.p - (appP!.data as Float32Array)[0]!)).toBeLessThan(1e-4);
    if (t.pixels) {
      expect(t.pixels.length).toBe(app.data.length);
      let diff = 0;
      for (let i = 0; i < app.data.length; i++) diff = Math.max(diff, Math.abs(t.pixels[i]! - app.data[i]!));
      expect(diff).toBeLessThanOrEqual(1); // half-transparent pixels round alike, within one step
      expect([...t.pixels.subarray(0, 3)]).toEqual([0, 0, 0]); // the hidden colour is not shown
    }
    // The profiled photos and the 16-bit PNG: the snippet's pixels are the app's (sRGB; 16 bits to
    // 8), within one step where the two colour conversions round apart, and so is p(bad), within
    // what a step on a few pixels moves it (measured: 2.5e-3 at most over 24 P3 photos).
    for (const d of decoded) {
      const app = await decodeRgb(d.file);
      const { p_bad: appP } = await session.run({ image: await imageTensor(d.file) });
      const got = await snippetPBad(d.id);
      expect(Math.abs(got.p - (appP!.data as Float32Array)[0]!), d.id).toBeLessThan(d.id === 'grey16' ? 1e-4 : 5e-3);
      if (got.pixels) {
        expect(got.pixels.length, d.id).toBe(app.data.length);
        let diff = 0;
        for (let i = 0; i < app.data.length; i++) diff = Math.max(diff, Math.abs(got.pixels[i]! - app.data[i]!));
        expect(diff, d.id).toBeLessThanOrEqual(d.id === 'grey16' ? 0 : 1);
      }
    }
  }, 240_000);

  it('a run with a block ONNX cannot compute takes it as a documented input (and its distance-from-good block is in the graph)', async () => {
    const run = await core.call('ml.train', { features: ['whole', 'signals'], hidden: 0, epochs: 8 });
    const scored = await classifyWith(run.run_id, path.join(dir, 'out-signals'));
    const r = await core.call('export.model', { runId: run.run_id, outDir: path.join(dir, 'model-signals') });
    expect(r.extra_inputs).toEqual(['signals']);
    const card = JSON.parse(fs.readFileSync(r.card, 'utf8'));
    expect(card.preprocessing.needs_only_the_image).toBe(false);
    expect(card.preprocessing.outside_graph[0].input).toBe('signals');
    expect(card.inputs[1].description).toMatch(/Not expressible in ONNX/);
    // The run's distance-from-good block is computed inside the graph from the signals input.
    expect(card.head.distance_from_good).toMatch(/computed in the graph from the signals input/);

    const store = new FeatureStore(core.context.db);
    const session = await ort.InferenceSession.create(r.model);
    const shaOf = core.context.db.prepare("SELECT i.sha256 FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url = ?");
    let worst = 0;
    for (const s of scored) {
      const { sha256 } = shaOf.get(`${DEV_URL_PREFIX}${s.id}.jpg`) as { sha256: string };
      const signals = store.get(sha256, featureKey('signals', run.params.backbone))!;
      const { p_bad } = await session.run({ image: await imageTensor(s.file), signals: new ort.Tensor('float32', signals, [1, signals.length]) });
      worst = Math.max(worst, Math.abs((p_bad!.data as Float32Array)[0]! - s.pBad));
    }
    expect(worst).toBeLessThan(1e-4);
  }, 240_000);

  it('never writes through a link planted in the output folder (model, card, a guessable temporary name, the graphs)', async () => {
    const run = await core.call('ml.train', { features: ['whole'], hidden: 0, epochs: 3 });
    const out = path.join(dir, 'model-planted');
    const graphs = path.join(out, 'train_graphs');
    fs.mkdirSync(graphs, { recursive: true });
    const names = ['model-card.json', 'model.onnx', `model.onnx.tmp-${process.pid}`, `train_graphs/run-${run.run_id}-loss.svg`, `train_graphs/run-${run.run_id}-accuracy.png`];
    const victims = names.map((name, i) => {
      const victim = path.join(dir, `victim-${i}.txt`);
      fs.writeFileSync(victim, 'PRECIOUS\n');
      fs.symlinkSync(victim, path.join(out, name));
      return victim;
    });
    const r = await core.call('export.model', { runId: run.run_id, outDir: out });
    for (const v of victims) expect(fs.readFileSync(v, 'utf8'), v).toBe('PRECIOUS\n');
    for (const f of [r.model, r.card, path.join(graphs, `run-${run.run_id}-loss.svg`), path.join(graphs, `run-${run.run_id}-accuracy.png`)]) expect(fs.lstatSync(f).isFile(), f).toBe(true);
    expect(JSON.parse(fs.readFileSync(r.card, 'utf8')).run_id).toBe(run.run_id);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-') && f !== `model.onnx.tmp-${process.pid}`)).toEqual([]);
    if (process.platform === 'linux') {
      await expect(core.call('export.model', { runId: run.run_id, outDir: '/proc/qc-test-no-such' })).rejects.toMatchObject({ code: 'bad_input' });
    }
  }, 240_000);

  it('never leaves the model of one run beside the card or graphs of another, even when it dies part way', async () => {
    const a = (await core.call('ml.train', { features: ['whole'], hidden: 0, epochs: 2 })).run_id;
    const b = await core.call('ml.train', { features: ['whole'], hidden: 0, epochs: 3 });
    const out = path.join(dir, 'model-two-runs');
    await core.call('export.model', { runId: a, outDir: out });
    const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    const consistent = () => {
      const card = path.join(out, 'model-card.json');
      if (!fs.existsSync(card)) return 'no card';
      const c = JSON.parse(fs.readFileSync(card, 'utf8')) as { run_id: number; model_sha256: string };
      expect(c.model_sha256).toBe(sha(path.join(out, 'model.onnx')));
      expect(fs.readdirSync(path.join(out, 'train_graphs')).every((n) => n.startsWith(`run-${c.run_id}-`))).toBe(true);
      return `run ${c.run_id}`;
    };
    // Run b's export stopped just before each of its renames into the folder (what a SIGKILL there leaves).
    const real = fs.renameSync;
    for (let stopAt = 0; stopAt < 6; stopAt++) {
      let renames = 0;
      const spy = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
        if (path.dirname(String(to)) !== out && path.dirname(path.dirname(String(to))) !== out) return real(from, to);
        if (renames++ === stopAt) throw Object.assign(new Error('killed'), { code: 'EIO' });
        return real(from, to);
      });
      try {
        await core.call('export.model', { runId: b.run_id, outDir: out }).catch(() => {});
      } finally {
        spy.mockRestore();
      }
      expect(['no card', `run ${a}`]).toContain(consistent());
    }
    // The next export publishes b whole, and a's graphs are gone.
    await core.call('export.model', { runId: b.run_id, outDir: out });
    expect(consistent()).toBe(`run ${b.run_id}`);
    expect(fs.readdirSync(path.join(out, 'train_graphs')).sort()).toEqual(['accuracy.png', 'accuracy.svg', 'loss.png', 'loss.svg'].map((n) => `run-${b.run_id}-${n}`));
    expect(fs.readdirSync(out).filter((n) => n.startsWith('.') || n.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('refuses a run that has not finished, with the one "no trained model" error when there is none', async () => {
    const empty = createCore({ dataDir: path.join(dir, 'empty'), ml: 'in-process' });
    try {
      await expect(empty.call('export.model', { outDir: path.join(dir, 'nothing') })).rejects.toThrow(/no trained model yet/);
    } finally {
      await empty.close();
    }
  });
});

describe("the model card's threshold in force", () => {
  it('records the threshold qc export applies to the run (the curator\'s, else the best bound when nothing is proven), as review.scores reports it', async () => {
    const lib = seedLibrary({ images: 120, recommended: null, bestBound: 0.83 });
    const dir = tempDir();
    try {
      const { core } = lib;
      const runId = lib.runId!;
      const cardOf = async (name: string) => {
        const r = await core.call('export.model', { runId, outDir: path.join(dir, name) });
        return JSON.parse(fs.readFileSync(r.card, 'utf8')) as { thresholds: { recommended_bad: number | null; in_force: unknown } };
      };
      const exported = async () => {
        return (await core.call('export.tags', { outDir: tempDir(), runId })).in_force;
      };
      // Nothing proven: the card says which bound the library tags with, not only `recommended_bad: null`.
      let card = await cardOf('bound');
      expect(card.thresholds.recommended_bad).toBeNull();
      expect(card.thresholds.in_force).toEqual({ threshold: 0.83, source: 'best-bound' });
      expect(card.thresholds.in_force).toEqual((await core.call('review.scores', { runId })).in_force);
      // A curator's threshold on the run.
      await core.call('ml.setThreshold', { threshold: 0.95 });
      card = await cardOf('curator');
      expect(card.thresholds.in_force).toEqual({ threshold: 0.95, source: 'curator' });
      expect(card.thresholds.in_force).toEqual((await core.call('review.scores', { runId })).in_force);
      expect(card.thresholds.in_force).toEqual(await exported());
    } finally {
      await lib.core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
