/**
 * The backbone manifest (resources/models/backbones.json): which ONNX feature extractors exist,
 * what input each expects and which output is the embedding. Format: resources/models/README.md.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { QcError } from '../../../../src-shared/contract/errors';

export const MANIFEST_FILE = 'backbones.json';
export const MANIFEST_VERSION = 1;

/** Generators the runtime knows how to run when a backbone's file is missing. */
export const GENERATORS = ['nsfwjs-mobilenet_v2', 'nsfwjs-mobilenet_v2-int8'] as const;
export type Generator = (typeof GENERATORS)[number];

export type Layout = 'NHWC' | 'NCHW';

export interface BackboneInput {
  /** Input tensor name; omitted: the model's only input. */
  name?: string;
  /** Square side in pixels. */
  size: number;
  layout: Layout;
  channels: 'RGB';
  /** Linear map of 0..1 pixels to [lo, hi], e.g. [0, 1] or [-1, 1]. Exactly one of scale or mean+std. */
  scale?: [number, number];
  /** Per-channel (x - mean) / std on 0..1 pixels (torchvision style). */
  mean?: [number, number, number];
  std?: [number, number, number];
}

export interface BackboneEntry {
  id: string;
  /** ONNX file, relative to the models directory. */
  file: string;
  input: BackboneInput;
  /** Output tensor name holding the N x dim embedding. */
  output: string;
  dim: number;
  license: string;
  source: string;
  /** Largest batch the model accepts (for models exported with a fixed batch); omitted: any. */
  maxBatch?: number;
  /**
   * How to build `file` when it is missing: `nsfwjs-mobilenet_v2` converts nsfwjs's model
   * (convert.ts); `nsfwjs-mobilenet_v2-int8` quantises that conversion (quantize.ts) with the
   * calibrated ranges committed beside `file` (`<name>.ranges.json`), and rebuilds it when either changed.
   */
  generator?: Generator;
}

export interface BackboneManifest {
  version: number;
  backbones: BackboneEntry[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isNumberTuple = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Collects every problem so one error can list them all. */
class Problems {
  readonly list: string[] = [];
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
}

function checkString(p: Problems, o: Json, key: string, where: string): void {
  if (typeof o[key] !== 'string' || (o[key] as string).trim() === '') p.add(`${where}.${key}`, `must be a non-empty string, got ${show(o[key])}`);
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function checkFile(p: Problems, file: unknown, where: string): void {
  if (typeof file !== 'string' || file === '') return p.add(`${where}.file`, `must be a file name, got ${show(file)}`);
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) p.add(`${where}.file`, `must be a path inside the models directory, got ${show(file)}`);
  if (!file.toLowerCase().endsWith('.onnx')) p.add(`${where}.file`, `must be an .onnx file, got ${show(file)}`);
}

function checkInput(p: Problems, input: unknown, where: string): void {
  const w = `${where}.input`;
  if (!isObject(input)) return p.add(w, `must be an object like {"size":224,"layout":"NHWC","channels":"RGB","scale":[0,1]}, got ${show(input)}`);
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name === '')) p.add(`${w}.name`, `must be a tensor name, got ${show(input.name)}`);
  if (!isPositiveInt(input.size)) p.add(`${w}.size`, `must be a positive integer, got ${show(input.size)}`);
  if (input.layout !== 'NHWC' && input.layout !== 'NCHW') p.add(`${w}.layout`, `must be "NHWC" or "NCHW", got ${show(input.layout)}`);
  if (input.channels !== 'RGB') p.add(`${w}.channels`, `must be "RGB", got ${show(input.channels)}`);
  const hasScale = input.scale !== undefined;
  const hasMeanStd = input.mean !== undefined || input.std !== undefined;
  if (hasScale === hasMeanStd) return p.add(w, 'needs exactly one of "scale": [lo, hi] or "mean" + "std" (3 numbers each)');
  if (hasScale && !(isNumberTuple(input.scale, 2) && input.scale[0]! < input.scale[1]!)) p.add(`${w}.scale`, `must be [lo, hi] with lo < hi, got ${show(input.scale)}`);
  if (hasMeanStd) {
    if (!isNumberTuple(input.mean, 3)) p.add(`${w}.mean`, `must be 3 numbers (R, G, B on the 0..1 scale), got ${show(input.mean)}`);
    if (!isNumberTuple(input.std, 3) || input.std.some((s) => s <= 0)) p.add(`${w}.std`, `must be 3 positive numbers, got ${show(input.std)}`);
  }
}

function checkEntry(p: Problems, e: unknown, where: string): void {
  if (!isObject(e)) return p.add(where, `must be an object, got ${show(e)}`);
  if (typeof e.id !== 'string' || !ID_PATTERN.test(e.id)) p.add(`${where}.id`, `must be letters, digits, '_', '.', '-' (starting with a letter or digit), got ${show(e.id)}`);
  checkFile(p, e.file, where);
  checkInput(p, e.input, where);
  checkString(p, e, 'output', where);
  if (!isPositiveInt(e.dim)) p.add(`${where}.dim`, `must be a positive integer, got ${show(e.dim)}`);
  checkString(p, e, 'license', where);
  checkString(p, e, 'source', where);
  if (e.maxBatch !== undefined && !isPositiveInt(e.maxBatch)) p.add(`${where}.maxBatch`, `must be a positive integer, got ${show(e.maxBatch)}`);
  if (e.generator !== undefined && !(GENERATORS as readonly unknown[]).includes(e.generator)) p.add(`${where}.generator`, `must be one of ${GENERATORS.join(', ')}, got ${show(e.generator)}`);
}

/** Parse and validate manifest text; `file` names it in errors. Throws QcError('bad_input') listing every problem. */
export function parseManifest(text: string, file = MANIFEST_FILE): BackboneManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new QcError('bad_input', `backbone manifest is not valid JSON: ${(e as Error).message}`, { file });
  }
  const p = new Problems();
  if (!isObject(data)) p.add('manifest', 'must be an object {"version": 1, "backbones": [...]}');
  else {
    if (data.version !== MANIFEST_VERSION) p.add('version', `must be ${MANIFEST_VERSION}, got ${show(data.version)}`);
    if (!Array.isArray(data.backbones) || data.backbones.length === 0) p.add('backbones', `must be a non-empty array, got ${show(data.backbones)}`);
    else {
      data.backbones.forEach((e, i) => checkEntry(p, e, `backbones[${i}]`));
      const ids = data.backbones.map((e) => (isObject(e) ? e.id : undefined)).filter((id) => typeof id === 'string');
      for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) p.add('backbones', `id ${show(id)} is used more than once`);
    }
  }
  if (p.list.length) throw new QcError('bad_input', `invalid backbone manifest:\n  ${p.list.join('\n  ')}`, { file });
  return data as BackboneManifest;
}

/** Read and validate `<modelsDir>/backbones.json`. */
export async function loadManifest(modelsDir: string): Promise<BackboneManifest> {
  const file = path.join(modelsDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new QcError('not_found', `cannot read the backbone manifest: ${(e as Error).message}`, { file });
  }
  return parseManifest(text, file);
}

export function findBackbone(manifest: BackboneManifest, id: string, file = MANIFEST_FILE): BackboneEntry {
  const entry = manifest.backbones.find((b) => b.id === id);
  if (!entry) throw new QcError('not_found', `no backbone with id "${id}"; the manifest lists: ${manifest.backbones.map((b) => b.id).join(', ')}`, { file });
  return entry;
}
