/**
 * Open a backbone from the manifest with onnxruntime-node and embed batches of preprocessed images.
 *
 * Execution providers are tried one at a time (a list of several makes onnxruntime throw instead
 * of falling back): cuda, dml, coreml, webgpu, then cpu. Each candidate must create a session and
 * run one warm-up image before it is chosen; `provider` says which one runs, `attempts` why the
 * others did not. `QC_PROVIDERS=cpu` (or any comma-separated list) forces the order.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { ort } from '../../deferred';
import { QcError } from '../../../../src-shared/contract/errors';
import { type BackboneEntry, type BackboneInput, type BackboneManifest, findBackbone, loadManifest, MANIFEST_FILE } from './manifest';

export const DEFAULT_PROVIDERS: readonly string[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];
export const PROVIDERS_ENV = 'QC_PROVIDERS';
export const ORT_THREADS_ENV = 'QC_ORT_THREADS';
/**
 * Images per onnxruntime call on the CPU provider: larger batches are no faster per image on the
 * CPU and slower once the activations leave the cache (measured on this model, one thread: ~7 ms
 * per image at 1-5, 8.5-12 at 16-32). GPU providers get the whole batch they are given.
 */
export const CPU_BATCH = 4;

/**
 * onnxruntime intra-op threads for embedding alongside the image-preparation pool (one thread per
 * core): QC_ORT_THREADS, else half the cores (at least one). On 2 cores that is one thread: the
 * preparation threads (decode, crops, signals) need the other core, and a second intra-op thread
 * spent more CPU per image than it saved in time. The values do not depend on it.
 */
export function backboneThreads(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): number {
  const n = Number(env[ORT_THREADS_ENV]);
  return Number.isInteger(n) && n >= 1 ? n : Math.max(1, Math.floor(cores / 2));
}

export interface ProviderAttempt {
  provider: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Backbone {
  readonly id: string;
  readonly dim: number;
  /** The execution provider that runs this session ('cpu', 'cuda', 'webgpu', ...). */
  readonly provider: string;
  readonly inputSize: number;
  /** Every provider tried, in order, with the reason the rejected ones failed. */
  readonly attempts: readonly ProviderAttempt[];
  /** `batch`: n x inputSize x inputSize x 3 RGB in 0..1 (what preprocess.ts makes). Returns n x dim. */
  embed(batch: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface OpenBackboneOptions {
  /** Directory holding backbones.json and the .onnx files. */
  modelsDir: string;
  /** Providers to try in order; QC_PROVIDERS in the environment takes precedence. Default DEFAULT_PROVIDERS. */
  providers?: readonly string[];
  /** onnxruntime intra-op threads; default: onnxruntime's choice (all cores). */
  intraOpNumThreads?: number;
  /** Images per onnxruntime call on the CPU provider (default CPU_BATCH); other providers run what they are given. */
  cpuBatch?: number;
}

/** The provider order: QC_PROVIDERS, else `providers`, else DEFAULT_PROVIDERS. */
export function providerOrder(providers?: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env[PROVIDERS_ENV] ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  const order = fromEnv.length ? fromEnv : [...(providers ?? DEFAULT_PROVIDERS)];
  if (!order.length) throw new QcError('bad_input', 'no execution providers to try');
  return [...new Set(order)];
}

/** Why `provider` cannot work in this onnxruntime-node install, or null when it is worth trying. */
function unavailableReason(provider: string): string | null {
  const known = ort.listSupportedBackends();
  if (!known.some((b) => b.name === provider)) return `not available in onnxruntime-node on ${process.platform}/${process.arch} (has: ${known.map((b) => b.name).join(', ')})`;
  if (provider === 'cuda' || provider === 'tensorrt') {
    const dir = bindingDir();
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (dir && !existsSync(path.join(dir, lib))) return `the CUDA provider libraries are not installed (${lib} is missing; onnxruntime-node downloads them at install time unless ONNXRUNTIME_NODE_INSTALL=skip)`;
  }
  return null;
}

/**
 * Whether a GPU that WebGPU could use is likely present. Probing WebGPU where none is makes Dawn
 * print a native "Couldn't load Vulkan" warning with stack lines on stderr, which onnxruntime's log
 * level does not silence, so by default WebGPU is only tried where this says yes (on Linux: a DRM
 * render node or an NVIDIA device, and the Vulkan loader). Asking for it (QC_PROVIDERS) always tries it.
 */
export function gpuLikely(platform: NodeJS.Platform = process.platform, exists: (p: string) => boolean = existsSync, list: (dir: string) => string[] = safeList): boolean {
  if (platform !== 'linux') return true;
  const device = list('/dev/dri').some((f) => f.startsWith('renderD')) || exists('/dev/nvidia0');
  if (!device) return false;
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];
  return libDirs.some((d) => exists(path.join(d, 'libvulkan.so.1')));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * One line saying which provider runs the backbone and why the ones before it did not,
 * e.g. `cpu (cuda: the CUDA provider libraries are not installed; webgpu: no GPU found)`.
 * Providers this onnxruntime build does not have on this platform are left out.
 */
export function describeProvider(provider: string, attempts: readonly ProviderAttempt[]): string {
  const why = attempts.filter((a) => !a.ok && a.error && !a.error.startsWith('not available in onnxruntime-node')).map((a) => `${a.provider}: ${a.error!.split(' (')[0]}`);
  return why.length ? `${provider} (${why.join('; ')})` : provider;
}

/** Where onnxruntime-node keeps its native binding for this platform, if the layout is the known one. */
function bindingDir(): string | null {
  try {
    const pkgDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..');
    const dir = path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

function inputDims(input: BackboneInput, n: number): number[] {
  const s = input.size;
  return input.layout === 'NHWC' ? [n, s, s, 3] : [n, 3, s, s];
}

/** Check the model's inputs and outputs against the manifest entry; returns the input name and the largest batch it takes. */
function checkModelIo(session: Ort.InferenceSession, entry: BackboneEntry, file: string): { inputName: string; maxBatch: number } {
  const fail = (msg: string) => new QcError('bad_input', `backbone "${entry.id}" (${path.basename(file)}): ${msg}; fix its entry in ${MANIFEST_FILE}`);
  const inputName = entry.input.name ?? (session.inputNames.length === 1 ? session.inputNames[0] : undefined);
  if (!inputName) throw fail(`the model has inputs ${session.inputNames.join(', ')}; name one in "input.name"`);
  if (!session.inputNames.includes(inputName)) throw fail(`no input named "${inputName}" (the model has: ${session.inputNames.join(', ')})`);
  if (!session.outputNames.includes(entry.output)) throw fail(`no output named "${entry.output}" (the model has: ${session.outputNames.join(', ')})`);
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  if (meta?.isTensor && meta.shape.length > 0) {
    const want = inputDims(entry.input, 1);
    const clash = meta.shape.some((d, i) => i > 0 && typeof d === 'number' && d !== want[i]);
    if (meta.shape.length !== 4 || clash) throw fail(`input "${inputName}" has shape [${meta.shape.join(', ')}], the manifest says ${entry.input.layout} [N, ${want.slice(1).join(', ')}]`);
    const fixed = meta.shape[0];
    if (typeof fixed === 'number' && fixed !== 1) throw fail(`input "${inputName}" has a fixed batch size of ${fixed}; export the model with a dynamic batch dimension or a batch of 1`);
    if (fixed === 1) return { inputName, maxBatch: 1 };
  }
  return { inputName, maxBatch: entry.maxBatch ?? Number.POSITIVE_INFINITY };
}

/** y = x * a[c] + b[c] per RGB channel: what the manifest's scale or mean/std asks for. */
function channelAffine(input: BackboneInput): { a: number[]; b: number[] } {
  if (input.scale) {
    const [lo, hi] = input.scale;
    return { a: [hi - lo, hi - lo, hi - lo], b: [lo, lo, lo] };
  }
  const mean = input.mean ?? [0, 0, 0];
  const std = input.std ?? [1, 1, 1];
  return { a: std.map((s) => 1 / s), b: mean.map((m, c) => -m / std[c]!) };
}

/** Turn n NHWC 0..1 images into what the model wants (a no-op view for NHWC [0, 1] models). */
export function toModelInput(x: Float32Array, n: number, input: BackboneInput): Float32Array {
  const { a, b } = channelAffine(input);
  const identity = a.every((v) => v === 1) && b.every((v) => v === 0);
  if (input.layout === 'NHWC' && identity) return x;
  const hw = input.size * input.size;
  const out = new Float32Array(n * hw * 3);
  for (let img = 0; img < n; img++) {
    const base = img * hw * 3;
    for (let p = 0; p < hw; p++) {
      for (let c = 0; c < 3; c++) {
        const dst = input.layout === 'NHWC' ? base + p * 3 + c : base + c * hw + p;
        out[dst] = x[base + p * 3 + c]! * a[c]! + b[c]!;
      }
    }
  }
  return out;
}

interface Runner {
  session: Ort.InferenceSession;
  inputName: string;
  maxBatch: number;
}

async function runBatch(r: Runner, entry: BackboneEntry, x: Float32Array, n: number): Promise<Float32Array> {
  const feeds = { [r.inputName]: new ort.Tensor('float32', toModelInput(x, n, entry.input), inputDims(entry.input, n)) };
  const out = (await r.session.run(feeds, [entry.output]))[entry.output];
  if (!out || out.type !== 'float32') throw new QcError('internal', `backbone "${entry.id}": output "${entry.output}" is ${out ? out.type : 'missing'}, expected float32`);
  if (out.size !== n * entry.dim) throw new QcError('bad_input', `backbone "${entry.id}": output "${entry.output}" has shape [${out.dims.join(', ')}], the manifest says dim ${entry.dim} (expected ${n} x ${entry.dim} values)`);
  return out.data as Float32Array;
}

/** The options every session of ours is created with (the backbones' and the defect net's). */
export function sessionOptions(provider: string, threads?: number): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads !== undefined && { intraOpNumThreads: threads }),
    // Idle intra-op threads sleep instead of spinning: the spinning burnt the CPU time that the
    // image-preparation threads need (measured: ~15 instead of ~9 CPU-ms per image at 2 threads).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

async function createRunner(file: string, provider: string, entry: BackboneEntry, threads?: number): Promise<Runner> {
  const session = await ort.InferenceSession.create(file, sessionOptions(provider, threads));
  try {
    const runner = { session, ...checkModelIo(session, entry, file) };
    const size = entry.input.size;
    await runBatch(runner, entry, new Float32Array(size * size * 3), 1); // the provider must really run
    return runner;
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
}

/** One readable line from an onnxruntime error (drops the C++ source location and assertion text). */
function message(e: unknown): string {
  let line = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  if (/\.(?:cc|cpp|h):\d+/.test(line)) line = line.split(/ was false\. | : FAIL : /).at(-1)!;
  return line.slice(0, 300);
}

/** Try each provider alone; the first that creates a session and runs a warm-up image wins. */
async function openOnFirstProvider(
  file: string,
  entry: BackboneEntry,
  providers: string[],
  threads?: number,
  asked = false,
): Promise<{ runner: Runner; provider: string; attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of providers) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const reason = unavailableReason(provider) ?? (provider === 'webgpu' && !asked && !gpuLikely() ? `no GPU found (not probed; ${PROVIDERS_ENV}=webgpu tries it)` : null);
    if (reason) {
      attempts.push({ provider, ok: false, ms: 0, error: reason });
      continue;
    }
    try {
      const runner = await createRunner(file, provider, entry, threads);
      attempts.push({ provider, ok: true, ms: elapsed() });
      return { runner, provider, attempts };
    } catch (e) {
      if (e instanceof QcError && e.code === 'bad_input') throw e; // a manifest/model mismatch fails everywhere
      attempts.push({ provider, ok: false, ms: elapsed(), error: message(e) });
    }
  }
  const why = attempts.map((a) => `${a.provider}: ${a.error}`).join('\n  ');
  throw new QcError('internal', `backbone "${entry.id}" could not start on any execution provider:\n  ${why}`);
}

/** The model file, converted first when it is missing and the entry names a generator. */
async function ensureModelFile(entry: BackboneEntry, modelsDir: string, manifest: BackboneManifest): Promise<string> {
  const file = path.resolve(modelsDir, entry.file);
  if (entry.generator === 'nsfwjs-mobilenet_v2-int8') {
    // The float32 conversion first (beside it, under its own manifest entry), then its int8 copy.
    const source = manifest.backbones.find((b) => b.generator === 'nsfwjs-mobilenet_v2');
    if (!source) throw new QcError('bad_input', `backbone "${entry.id}": its generator quantises the "nsfwjs-mobilenet_v2" backbone, which ${MANIFEST_FILE} does not list`);
    const { ensureQuantized, rangesFileFor } = await import('./quantize');
    const fp32 = await ensureModelFile(source, modelsDir, manifest);
    const ranges = rangesFileFor(file);
    if (!existsSync(ranges)) {
      if (existsSync(file)) return file; // nothing to check it against: use it as it is
      throw new QcError('not_found', `backbone "${entry.id}": neither ${file} nor its calibrated ranges ${ranges} exist (npx tsx scripts/convert-backbone.ts --calibrate measures them)`);
    }
    await ensureQuantized(fp32, file, ranges);
    return file;
  }
  if (existsSync(file)) return file;
  if (entry.generator === 'nsfwjs-mobilenet_v2') {
    const { convertBackbone } = await import('./convert');
    await convertBackbone({ outFile: file });
    return file;
  }
  throw new QcError('not_found', `backbone "${entry.id}": model file ${file} is missing; put the ONNX file there or fix "file" in ${MANIFEST_FILE}`);
}

function checkBatch(entry: BackboneEntry, batch: Float32Array, n: number): void {
  const per = entry.input.size * entry.input.size * 3;
  if (!Number.isInteger(n) || n < 0) throw new QcError('bad_input', `embed: n must be a non-negative integer, got ${n}`);
  if (batch.length !== n * per) throw new QcError('bad_input', `embed: expected ${n} x ${entry.input.size} x ${entry.input.size} x 3 = ${n * per} values, got ${batch.length}`);
}

/** Open backbone `id` from `<modelsDir>/backbones.json` on the first execution provider that works. */
export async function openBackbone(id: string, opts: OpenBackboneOptions): Promise<Backbone> {
  const manifest = await loadManifest(opts.modelsDir);
  // The id is the caller's (an argument, not a file): the error names the manifest, not where the app is installed.
  const entry = findBackbone(manifest, id);
  const file = await ensureModelFile(entry, opts.modelsDir, manifest);
  const asked = Boolean(opts.providers) || Boolean(process.env[PROVIDERS_ENV]?.trim());
  const { runner, provider, attempts } = await openOnFirstProvider(file, entry, providerOrder(opts.providers), opts.intraOpNumThreads, asked);
  const per = entry.input.size * entry.input.size * 3;
  const chunk = provider === 'cpu' ? Math.min(runner.maxBatch, Math.max(1, opts.cpuBatch ?? CPU_BATCH)) : runner.maxBatch;
  let closed = false;

  return {
    id: entry.id,
    dim: entry.dim,
    provider,
    inputSize: entry.input.size,
    attempts,
    async embed(batch, n) {
      if (closed) throw new QcError('internal', `backbone "${entry.id}" is closed`);
      checkBatch(entry, batch, n);
      if (n <= chunk) return n === 0 ? new Float32Array(0) : runBatch(runner, entry, batch, n);
      const out = new Float32Array(n * entry.dim);
      for (let start = 0; start < n; start += chunk) {
        const count = Math.min(chunk, n - start);
        out.set(await runBatch(runner, entry, batch.subarray(start * per, (start + count) * per), count), start * entry.dim);
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await runner.session.release();
    },
  };
}
