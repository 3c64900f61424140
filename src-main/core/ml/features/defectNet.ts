/**
 * The defect net (features/defects.ts): a small patch CNN shipped as resources/models/DEFECT_NET_FILE
 * with its card DEFECT_NET_CARD (the kinds it names, how it was trained), run with onnxruntime on
 * the CPU with one thread. Each thread that prepares images opens its own session once per models
 * folder and keeps it (the preparation pool has one worker per core).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { ort } from '../../deferred';
import { QcError } from '../../../../src-shared/contract/errors';
import type { RgbImage } from '../backbone/preprocess';
import { sessionOptions } from '../backbone/runtime';
import { SessionCache } from '../backbone/sessionCache';
import { Float32Pool } from '../batchBuffers';
import { DEFECT_PATCH, defectPatches, poolDefects } from './defects';

/** The net's input buffers, lent to one image's run at a time (batchBuffers.ts: fresh ones cost page faults and garbage). */
const inputs = new Float32Pool();

export const DEFECT_NET_FILE = 'defects_v1.onnx';
export const DEFECT_NET_CARD = 'defects_v1.json';
/** The cache version of the block: the net's weights and the tiling (features/defects.ts); change it when either changes. */
export const DEFECTS_VERSION = 'defects_v1/lattice6x4-p-level/2';

export interface DefectNetCard {
  /** Class names, in the order of the net's `p` output: 'clean' first, then distortion kinds. */
  kinds: string[];
  patch: number;
  [k: string]: unknown;
}

export interface DefectNet {
  readonly card: DefectNetCard;
  /** Block width: kinds + 3. */
  readonly dim: number;
  describe(img: RgbImage): Promise<Float32Array>;
}

/** The card in `modelsDir`, checked; throws naming the file. */
function readCard(modelsDir: string): DefectNetCard {
  let card: DefectNetCard;
  try {
    card = JSON.parse(readFileSync(path.join(modelsDir, DEFECT_NET_CARD), 'utf8')) as DefectNetCard;
  } catch (e) {
    throw new QcError('not_found', `the defect net's card ${path.join(modelsDir, DEFECT_NET_CARD)} cannot be read: ${(e as Error).message}`);
  }
  if (!Array.isArray(card.kinds) || card.kinds[0] !== 'clean' || card.patch !== DEFECT_PATCH) throw new QcError('bad_input', `${DEFECT_NET_CARD}: expected "kinds" ('clean' first) and "patch": ${DEFECT_PATCH}`);
  return card;
}

async function open(modelsDir: string): Promise<DefectNet> {
  const file = path.join(modelsDir, DEFECT_NET_FILE);
  const card = readCard(modelsDir);
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, sessionOptions('cpu', 1));
  } catch (e) {
    throw new QcError('not_found', `the defect net ${file} cannot be opened: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const out of ['p', 'r']) if (!session.outputNames.includes(out)) throw new QcError('bad_input', `${DEFECT_NET_FILE}: no output "${out}"`);
  const input = session.inputNames[0]!;
  const dim = card.kinds.length + 3;
  return {
    card,
    dim,
    async describe(img: RgbImage): Promise<Float32Array> {
      const { x, n } = defectPatches(img, (tiles) => inputs.take(tiles * 3 * DEFECT_PATCH * DEFECT_PATCH));
      let o: Ort.InferenceSession.OnnxValueMapType;
      try {
        o = await session.run({ [input]: new ort.Tensor('float32', x, [n, 3, DEFECT_PATCH, DEFECT_PATCH]) }, ['p', 'r']);
      } finally {
        inputs.give(x); // read: the next image may write it (a view or an array of its own is not kept)
      }
      const p = o.p!.data as Float32Array;
      const r = o.r!.data as Float32Array;
      if (p.length !== n * card.kinds.length || r.length !== n) throw new QcError('bad_input', `${DEFECT_NET_FILE}: outputs do not match ${DEFECT_NET_CARD} (${card.kinds.length} kinds)`);
      return poolDefects(p, r, n);
    },
  };
}

const cards = new Map<string, DefectNetCard | null>();

/** The net's card in `modelsDir` (read once), or null when there is none: for words, not for running it. */
export function defectNetCard(modelsDir: string): DefectNetCard | null {
  const key = path.resolve(modelsDir);
  if (!cards.has(key)) {
    try {
      cards.set(key, readCard(key));
    } catch {
      cards.set(key, null);
    }
  }
  return cards.get(key)!;
}

const nets = new SessionCache<DefectNet>();

/** This thread's defect net for `modelsDir` (opened on first use, kept). */
export function defectNet(modelsDir: string): Promise<DefectNet> {
  const key = path.resolve(modelsDir);
  return nets.get(key, () => open(key));
}
