/**
 * Heavy packages loaded on first use instead of when a module that may use them is imported.
 *
 * Every `qc` command, `qc serve` and the app's main process import the whole core (one handler
 * map), and ES modules are evaluated up front: a usage error or `qc status` spent ~0.3 of its
 * ~0.5 s loading sharp (~120 ms), undici (~70), protobufjs, cli-progress and onnxruntime-node
 * (~20 each), none of which it runs. Here each is a stand-in that requires the package (sharp,
 * undici and onnxruntime-node are CommonJS only, so `require` gives the very instance `import`
 * would) on the first property read or call, then forwards to it.
 *
 * Written by hand: it is a Proxy over `require`, a dozen lines; the stand-ins are typed as the
 * packages themselves, so call sites read as before (`sharp(bytes)`, `new ort.Tensor(...)`).
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type Sharp from 'sharp';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

/** A stand-in for what `make` returns, made on the first property read or call. */
export function deferredValue<T extends object>(make: () => T, callable = false): T {
  let mod: T | undefined;
  const load = (): T => (mod ??= make());
  // A function target, so that a callable package (sharp) can be called through the stand-in.
  const target = (callable ? function deferredPackage() {} : {}) as T;
  return new Proxy(target, {
    // Reads and writes reach the real object, so a method called through the stand-in (its `this`
    // is the stand-in) sees and changes the real one's state.
    get: (_t, key) => Reflect.get(load(), key),
    set: (_t, key, value) => Reflect.set(load(), key, value),
    has: (_t, key) => Reflect.has(load(), key),
    apply: (_t, self, args: unknown[]) => Reflect.apply(load() as (...a: unknown[]) => unknown, self, args),
  });
}

/** A stand-in for package `id`'s exports, required on first use. */
export function deferredPackage<T extends object>(id: string, callable = false): T {
  return deferredValue(() => require(id) as T, callable);
}

/** onnxruntime-node's namespace (`ort.InferenceSession`, `ort.Tensor`, ...). */
export const ort = deferredPackage<typeof Ort>('onnxruntime-node');

/** sharp's default export: `sharp(input, options)` and its static members. */
export const sharp = deferredPackage<typeof Sharp>('sharp', true);

/** undici's namespace (`Agent`, `buildConnector`). */
export const undici = deferredPackage<typeof Undici>('undici');
