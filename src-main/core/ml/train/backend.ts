/**
 * Pick the TensorFlow.js backend that trains the classifier heads.
 *
 * Order: `@tensorflow/tfjs-node-gpu` ('tensorflow' backend on CUDA), `@tensorflow/tfjs-node`
 * ('tensorflow' on the CPU), `@tensorflow/tfjs-backend-wasm` ('wasm', single-threaded in Node),
 * then tfjs's pure-JS 'cpu' backend. The native packages are optional: they are imported
 * dynamically and skipped when missing or when they fail to load. `QC_TF_BACKEND` in the
 * environment (`tensorflow-gpu`, `tensorflow`, `wasm` or `cpu`) forces one; so does `prefer`.
 * The result is cached per backend name, and every call makes its backend tfjs's active one.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfType from '@tensorflow/tfjs';
import { QcError } from '../../../../src-shared/contract/errors';

export type Tf = typeof TfType;
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_ENV = 'QC_TF_BACKEND';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  /** Which engine runs: 'tensorflow-gpu' and 'tensorflow' are tfjs-node(-gpu)'s 'tensorflow' backend. */
  name: BackendName;
  /** The tfjs namespace to use with it (tfjs-node brings its own). */
  tf: Tf;
  /** Why each backend tried before this one was skipped. */
  skipped: { name: BackendName; reason: string }[];
}

const cache = new Map<BackendName, { name: BackendName; tf: Tf }>();
const failures = new Map<BackendName, string>();

function isBackendName(s: string): s is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(s);
}

/** The order to try: QC_TF_BACKEND, else `prefer` (each forces one backend), else BACKEND_ORDER. */
export function backendOrder(prefer?: string, env: NodeJS.ProcessEnv = process.env): BackendName[] {
  const forced = (env[BACKEND_ENV] ?? '').trim().toLowerCase() || (prefer ?? '').trim().toLowerCase();
  if (!forced) return [...BACKEND_ORDER];
  if (!isBackendName(forced)) throw new QcError('bad_input', `unknown tfjs backend "${forced}" (${BACKEND_ENV} or prefer: ${BACKEND_ORDER.join(', ')})`);
  return [forced];
}

/** Import a module by a computed name, so neither TypeScript nor the bundler needs it installed. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]?.slice(0, 200) ?? msg;
}

async function tryBackend(name: BackendName): Promise<{ name: BackendName; tf: Tf }> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    const mod = (await importOptional(pkg)) as Tf & { default?: Tf };
    // tfjs-node is CommonJS: its namespace may sit under `default` when imported from ESM.
    const tf = typeof mod.setBackend === 'function' ? mod : mod.default;
    if (!tf || typeof tf.setBackend !== 'function') throw new Error(`${pkg} did not export a tfjs namespace`);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg}: the 'tensorflow' backend did not start`);
    return { name, tf };
  }
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (typeof process !== 'undefined' && process.versions?.node) {
      const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(dist + path.sep);
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' did not start`);
  await tf.ready();
  return { name, tf };
}

/**
 * The first backend of the order that starts (see the file comment). Throws a QcError when
 * none does (only possible when one is forced).
 */
export async function selectBackend(prefer?: string): Promise<SelectedBackend> {
  const order = backendOrder(prefer);
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of order) {
    const cached = cache.get(name);
    if (cached) {
      // tfjs has one active backend per engine: make this one active again if another took over.
      if (cached.tf.getBackend() !== (name.startsWith('tensorflow') ? 'tensorflow' : name)) {
        await cached.tf.setBackend(name.startsWith('tensorflow') ? 'tensorflow' : name);
      }
      return { ...cached, skipped };
    }
    const failed = failures.get(name);
    if (failed !== undefined) {
      skipped.push({ name, reason: failed });
      continue;
    }
    try {
      const got = await tryBackend(name);
      cache.set(name, got);
      return { ...got, skipped };
    } catch (e) {
      const reason = describe(e);
      failures.set(name, reason);
      skipped.push({ name, reason });
    }
  }
  throw new QcError('internal', `no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
