/**
 * How an export tells its own earlier files from a user's at the same names (ours.ts): a model
 * card by its `format`, an ONNX model by its producer, a train graph by its marker (or, drawn before
 * the marker, by its own shape). Real files: cards and graphs as the app writes them, ONNX bytes
 * encoded by the app's protobuf descriptor and by hand, the shipped backbone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { EpochStats } from '../../../src-shared/domain/ml';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { ModelProto } from '../ml/backbone/onnx';
import { writeRunGraphs } from './graphs';
import { GRAPH_MARKER, isOurCard, isOurGraph, isOurModel, MODEL_PRODUCER, withPngText } from './ours';

const epochs: EpochStats[] = Array.from({ length: 5 }, (_, i) => ({ epoch: i + 1, trainLoss: 0.7 - i / 10, valLoss: 0.6, trainAccuracy: 0.7, valAccuracy: 0.7, seconds: 0.1 }));

describe('telling our exports from the files of the user', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const put = (name: string, data: string | Buffer) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    return file;
  };

  it('a model card by its format', () => {
    expect(isOurCard(put('a/model-card.json', `${JSON.stringify({ format: 'quality-curator-model/1', run_id: 3 }, null, 2)}\n`))).toBe(true);
    // A later card format is still ours.
    expect(isOurCard(put('b/model-card.json', JSON.stringify({ run_id: 3, format: 'quality-curator-model/2' })))).toBe(true);
    expect(isOurCard(put('c/model-card.json', '{"mine":1}\n'))).toBe(false);
    expect(isOurCard(put('d/model-card.json', JSON.stringify({ format: 'other-model/1' })))).toBe(false);
    expect(isOurCard(put('e/model-card.json', '["quality-curator-model/1"]'))).toBe(false);
    expect(isOurCard(put('f/model-card.json', '{"format": "quality-curator-model/1", '))).toBe(false); // cut short
    expect(isOurCard(put('g/model-card.json', ''))).toBe(false);
    expect(isOurCard(path.join(dir, 'absent.json'))).toBe(false);
    fs.mkdirSync(path.join(dir, 'h/model-card.json'), { recursive: true });
    expect(isOurCard(path.join(dir, 'h/model-card.json'))).toBe(false);
    // A link is never read: an export replaces the link itself.
    fs.symlinkSync(path.join(dir, 'c/model-card.json'), path.join(dir, 'link-card.json'));
    expect(isOurCard(path.join(dir, 'link-card.json'))).toBe(true);
  });

  it('an ONNX model by its producer, wherever the field is, reading only up to it', () => {
    const encode = (producer: string) =>
      Buffer.from(ModelProto.encode(ModelProto.fromObject({ ir_version: 8, producer_name: producer, graph: { name: 'g', node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }] } })).finish());
    expect(isOurModel(put('m1/model.onnx', encode(MODEL_PRODUCER)))).toBe(true);
    expect(isOurModel(put('m2/model.onnx', encode('pytorch')))).toBe(false);
    expect(isOurModel(put('m3/model.onnx', encode(`${MODEL_PRODUCER}-not`)))).toBe(false);
    expect(isOurModel(put('m4/model.onnx', 'precious model\n'))).toBe(false);
    expect(isOurModel(put('m5/model.onnx', ''))).toBe(false);
    // The graph (field 7, 1 MB) before the producer (field 2): stepped over by its length.
    const graph = Buffer.alloc(1 << 20, 7);
    const lengthOf = (n: number) => {
      const out: number[] = [];
      for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 128);
      return Buffer.from([...out, n]);
    };
    const producer = Buffer.from(MODEL_PRODUCER);
    expect(isOurModel(put('m6/model.onnx', Buffer.concat([Buffer.from([0x3a]), lengthOf(graph.length), graph, Buffer.from([0x12]), lengthOf(producer.length), producer])))).toBe(true);
    // A length past the end of the file is no model.
    expect(isOurModel(put('m7/model.onnx', Buffer.concat([Buffer.from([0x3a]), lengthOf(graph.length * 2), graph, Buffer.from([0x12]), lengthOf(producer.length), producer])))).toBe(false);
    // The backbone the app ships (converted by another tool) is not one of its exports.
    expect(isOurModel(path.join(REPO_ROOT, 'resources/models/mobilenet_v2_nsfwjs.onnx'))).toBe(false);
    fs.symlinkSync(path.join(dir, 'm4/model.onnx'), path.join(dir, 'link.onnx'));
    expect(isOurModel(path.join(dir, 'link.onnx'))).toBe(true);
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [path.join(dir, 'fifo.onnx')]);
      expect(isOurModel(path.join(dir, 'fifo.onnx'))).toBe(false); // and asking does not block
    }
  });

  it('a train graph by its marker, or by its own shape when drawn before the marker', async () => {
    const out = path.join(dir, 'graphs');
    const { files } = await writeRunGraphs(4, epochs, out);
    expect(files).toHaveLength(4);
    for (const f of files) expect(isOurGraph(f), f).toBe(true);
    const svg = fs.readFileSync(path.join(out, 'run-4-loss.svg'), 'utf8');
    expect(svg).toContain(`<desc>${GRAPH_MARKER}</desc>`);
    // The marked PNG is still a PNG of the same picture.
    const png = await sharp(path.join(out, 'run-4-loss.png')).raw().toBuffer({ resolveWithObject: true });
    const plain = await sharp(await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer()).raw().toBuffer({ resolveWithObject: true });
    expect(png.info).toEqual(plain.info);
    expect(png.data.equals(plain.data)).toBe(true);

    // The user's files at graph names.
    expect(isOurGraph(put('mine/run-4-loss.svg', 'mine\n'))).toBe(false);
    expect(isOurGraph(put('mine/run-4-loss.png', await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer()))).toBe(false);
    expect(isOurGraph(put('mine/run-4-accuracy.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><desc>my chart</desc></svg>\n'))).toBe(false);
    expect(isOurGraph(put('mine/run-4-accuracy.png', withPngText(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer(), 'Software', 'GIMP')))).toBe(false);
    // Our graph's bytes at a name that is not a graph's.
    fs.copyFileSync(path.join(out, 'run-4-loss.svg'), path.join(dir, 'mine/loss.svg'));
    expect(isOurGraph(path.join(dir, 'mine/loss.svg'))).toBe(false);

    // Graphs drawn before the marker: the SVG by its first line and its title of that run and
    // chart, the PNG by that SVG beside it.
    const old = path.join(dir, 'old');
    fs.mkdirSync(old);
    const unmarked = svg.replace(`<desc>${GRAPH_MARKER}</desc>\n`, '');
    expect(unmarked).not.toBe(svg);
    fs.writeFileSync(path.join(old, 'run-4-loss.svg'), unmarked);
    fs.writeFileSync(path.join(old, 'run-4-loss.png'), await sharp(Buffer.from(unmarked), { density: 144 }).png().toBuffer());
    expect(isOurGraph(path.join(old, 'run-4-loss.svg'))).toBe(true);
    expect(isOurGraph(path.join(old, 'run-4-loss.png'))).toBe(true);
    // Another run's or chart's title is not this file's.
    fs.writeFileSync(path.join(old, 'run-5-loss.svg'), unmarked);
    fs.writeFileSync(path.join(old, 'run-4-accuracy.svg'), unmarked);
    expect(isOurGraph(path.join(old, 'run-5-loss.svg'))).toBe(false);
    expect(isOurGraph(path.join(old, 'run-4-accuracy.svg'))).toBe(false);
    // An unmarked PNG beside an SVG of the user's, or with no SVG, is not ours.
    fs.writeFileSync(path.join(old, 'run-4-accuracy.png'), fs.readFileSync(path.join(old, 'run-4-loss.png')));
    expect(isOurGraph(path.join(old, 'run-4-accuracy.png'))).toBe(false);
    fs.writeFileSync(path.join(old, 'run-6-loss.png'), fs.readFileSync(path.join(old, 'run-4-loss.png')));
    expect(isOurGraph(path.join(old, 'run-6-loss.png'))).toBe(false);
    // Nor beside a link to our SVG (a link is replaced, never read).
    fs.symlinkSync(path.join(old, 'run-4-loss.svg'), path.join(old, 'run-7-loss.svg'));
    fs.writeFileSync(path.join(old, 'run-7-loss.png'), fs.readFileSync(path.join(old, 'run-4-loss.png')));
    expect(isOurGraph(path.join(old, 'run-7-loss.svg'))).toBe(true);
    expect(isOurGraph(path.join(old, 'run-7-loss.png'))).toBe(false);
  });
});
