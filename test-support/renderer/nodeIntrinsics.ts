/**
 * Vitest's jsdom environment replaces the global typed-array constructors (and ArrayBuffer) with
 * jsdom's, from another realm. The renderer tests run the real core in the same process, and
 * native addons (onnxruntime-node, better-sqlite3) make Node's own typed arrays: onnxruntime's
 * `instanceof Float32Array` then refuses its own outputs. This puts Node's constructors back; the
 * DOM under test never needs jsdom's. In the node environment it changes nothing.
 */
import v8 from 'node:v8';

const NAMES = ['Uint8Array', 'Uint16Array', 'Uint32Array', 'Uint8ClampedArray', 'Int8Array', 'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array'] as const;

const g = globalThis as unknown as Record<string, unknown>;
for (const name of NAMES) {
  const Foreign = g[name] as new (n: number) => ArrayBufferView;
  // v8.deserialize builds the copy with this context's intrinsics, whatever the global now says.
  const native = (v8.deserialize(v8.serialize(new Foreign(1))) as ArrayBufferView).constructor;
  if (native !== Foreign) g[name] = native;
}
const nativeArrayBuffer = (v8.deserialize(v8.serialize(new ArrayBuffer(1))) as ArrayBuffer).constructor;
if (nativeArrayBuffer !== ArrayBuffer) g.ArrayBuffer = nativeArrayBuffer;
