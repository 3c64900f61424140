/**
 * A default run's exported model needs `crops`, `signals` and `defects` besides the image: `qc
 * features` (export.features) prints them for image files, and the model fed with them and the
 * image decoded as the card says gives the app's p(bad) — a transparent PNG included.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { decodeRgb, TRANSPARENT_BACKGROUND } from '../ml/backbone/preprocess';
import { DEV_DIR, DEV_IMAGES, REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';

const PREFIX = 'https://features.example/i/';

describe('qc features: the extra inputs of an exported model', () => {
  const dir = tempDir();
  const dataDir = path.join(dir, 'lib');
  const mirror = path.join(dir, 'mirror');
  let runId: number;
  let files: string[];
  let appPBad: number[];
  let model: string;
  let card: { inputs: { name: string; description: string }[]; preprocessing: { decode: string; outside_graph: { input: string; compute: string }[] } };

  beforeAll(async () => {
    const { run, ids } = await trainedDevLibrary(dataDir, 10, ['whole', 'crops', 'signals', 'defects']);
    runId = run.run_id;
    // Two photos the run never saw: a JPEG, and a PNG whose left half is transparent with a bright colour under it.
    const other = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n').slice(1).map((l) => l.split('\t')[0]!).filter((id) => !ids.has(id)).slice(0, 2);
    fs.mkdirSync(mirror);
    fs.copyFileSync(path.join(DEV_IMAGES, `${other[0]}.jpg`), path.join(mirror, 'a.jpg'));
    const { data, info } = await sharp(path.join(DEV_IMAGES, `${other[1]}.jpg`)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width / 2; x++) data[(y * info.width + x) * 4 + 3] = 0;
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toFile(path.join(mirror, 'b.png'));
    files = [path.join(mirror, 'a.jpg'), path.join(mirror, 'b.png')];
    const bundle = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tdataObjectVersionID\tancestry', `${PREFIX}a.jpg\ta\t1\t{}`, `${PREFIX}b.png\tb\t2\t{}`].join('\n') + '\n');
    const core = createCore({ dataDir, ml: 'in-process' });
    try {
      await core.call('ml.classify', { source: bundle, outDir: path.join(dir, 'tags'), mirrors: [{ prefix: PREFIX, dir: mirror }], runId });
      const r = await core.call('export.model', { runId, outDir: path.join(dir, 'model') });
      expect(r.extra_inputs).toEqual(['crops', 'signals', 'defects']);
      model = r.model;
      card = JSON.parse(fs.readFileSync(r.card, 'utf8'));
    } finally {
      await core.close();
    }
    const [head, ...rows] = fs.readFileSync(path.join(dir, 'tags', 'bundle_finaltags.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    const pBad = new Map(rows.map((c) => [c[head!.indexOf('identifier')]!, Number(c[head!.indexOf('p_bad')])]));
    appPBad = ['a', 'b'].map((id) => pBad.get(id)!);
  }, 600_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the card names the command that computes each extra input, and the background the decode puts transparent pixels on', () => {
    for (const o of card.preprocessing.outside_graph) expect(o.compute).toContain(`qc features IMAGE… --run ${runId}`);
    for (const i of card.inputs.slice(1)) expect(i.description).toContain(`qc features IMAGE… --run ${runId}`);
    expect(card.inputs[0]!.description).toContain(`composited onto ${TRANSPARENT_BACKGROUND}`);
    expect(card.inputs[0]!.description).not.toMatch(/alpha removed/);
    expect(card.preprocessing.decode).toContain(TRANSPARENT_BACKGROUND);
  });

  it('the model fed with the printed inputs and the image gives the app\'s p(bad) within 1e-5', async () => {
    const qc = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, 'features', ...files, '--run', String(runId)], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(qc.status, qc.stderr).toBe(0);
    const lines = qc.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; inputs: Record<string, { shape: number[]; data: number[] }> });
    expect(lines.map((l) => l.file)).toEqual(files);
    const session = await ort.InferenceSession.create(model);
    expect(session.inputNames).toEqual(['image', 'crops', 'signals', 'defects']);
    const got: number[] = [];
    for (const l of lines) {
      expect(Object.keys(l.inputs)).toEqual(['crops', 'signals', 'defects']);
      const img = await decodeRgb(l.file);
      const feeds: Record<string, ort.Tensor> = { image: new ort.Tensor('uint8', img.data, [1, img.height, img.width, 3]) };
      for (const [name, v] of Object.entries(l.inputs)) feeds[name] = new ort.Tensor('float32', Float32Array.from(v.data), v.shape);
      const { p_bad } = await session.run(feeds);
      got.push((p_bad!.data as Float32Array)[0]!);
    }
    console.log(`qc features + model.onnx: ${got.map((p) => p.toFixed(6)).join(', ')}; app: ${appPBad.join(', ')}`);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - appPBad[i]!)).toBeLessThan(1e-5);
    // Not every score saturated: the comparison means something.
    expect(appPBad.some((p) => p > 0.01 && p < 0.99)).toBe(true);
  }, 120_000);

  it('refuses a file that is not there, naming it', async () => {
    const qc = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, 'features', path.join(dir, 'nope.jpg')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(qc.status).toBe(1);
    expect(qc.stderr).toContain('nope.jpg');
  }, 60_000);

  it('words a path the user can fix as bad input naming it, and leaves a file over the pictures\' size limit unread with its error', async () => {
    const loop = path.join(dir, 'loopA');
    fs.symlinkSync(path.join(dir, 'loopB'), loop);
    fs.symlinkSync(loop, path.join(dir, 'loopB'));
    const huge = path.join(dir, 'huge.jpg');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 65 * 2 ** 20); // sparse: no disk used
    const core = createCore({ dataDir });
    try {
      for (const [file, why] of [
        [loop, 'too many links'],
        [path.join(files[0]!, 'x.jpg'), 'a file is in the way'],
      ] as const) {
        const e = await core.call('export.features', { runId, files: [file] }).then(
          () => null,
          (x: unknown) => x as { code: string; message: string; file?: string },
        );
        expect(e, file).toMatchObject({ code: 'bad_input', file });
        expect(e!.message).toContain(why);
      }
      const out = await core.call('export.features', { runId, files: [huge, files[0]!] });
      expect(out.images[0]).toEqual({ file: huge, error: expect.stringContaining('too large to be a picture: 65 MB') });
      expect(Object.keys(out.images[1]!.inputs ?? {})).toEqual(['crops', 'signals', 'defects']);
      // A run on the whole image alone needs no input besides it, yet a file that is no picture is
      // still decoded and said so, as for the run above (it was answered "inputs: {}").
      const { db } = core.context;
      const params = JSON.parse(db.prepare('SELECT params FROM runs WHERE id = ?').pluck().get(runId) as string) as Record<string, unknown>;
      const wholeRun = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', ?, 'test')").run(JSON.stringify({ ...params, features: ['whole'] })).lastInsertRowid);
      const text = path.join(dir, 'not-a-picture.jpg');
      fs.writeFileSync(text, 'hello\n');
      const whole = await core.call('export.features', { runId: wholeRun, files: [text, files[0]!] });
      expect(whole.inputs).toEqual([]);
      expect(whole.images[0]).toEqual({ file: text, error: expect.stringMatching(/^not_image: text, not a picture/) });
      expect(whole.images[1]).toEqual({ file: files[0], inputs: {} });
      // What an import refuses is not decoded here either: an SVG (librsvg would render it), and a
      // PNG whose header says 10,000 × 10,000 (100 MP, over the 50 MP limit) in a few bytes.
      const svg = path.join(dir, 'red.svg');
      fs.writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');
      const bomb = path.join(dir, 'bomb.png');
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } }).png().toBuffer();
      png.writeUInt32BE(10_000, 16);
      png.writeUInt32BE(10_000, 20);
      png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29); // IHDR's CRC over its type and data
      fs.writeFileSync(bomb, png);
      for (const run of [wholeRun, runId]) {
        const out = await core.call('export.features', { runId: run, files: [svg, bomb, files[0]!] });
        expect(out.images[0]).toEqual({ file: svg, error: expect.stringMatching(/^not_image: an SVG drawing/) });
        expect(out.images[1]).toEqual({ file: bomb, error: 'too_many_pixels: 10000×10000 = 100,000,000 pixels, over the limit of 50,000,000 (50 MP)' });
        expect(out.images[2]!.error).toBeUndefined();
      }
    } finally {
      await core.close();
    }
  }, 60_000);
});
