/**
 * Whether a file already in an output folder is one of this app's exports, which an export may
 * replace or remove (stage.ts OwnedFiles), or a file of the user's that merely has the name of one:
 * a model card, an exported model, a train graph. Each is told by what it says of itself, read
 * without following a link or blocking (O_NOFOLLOW, O_NONBLOCK) and only as far as needed. A link
 * at such a name counts as ours: an export replaces or removes the link itself (rename, rm), never
 * what it points to. A file that cannot be read, a FIFO or a device is not ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isOpenDatabaseFile } from '../db/open';

/**
 * The first bytes of the regular file at `abs`, at most `limit`, stopping early once `enough` says
 * so; `'link'` for a link (never followed or read), null for anything else (absent, a folder, a
 * FIFO, unreadable, replaced between the lstat and the open).
 */
export function readHead(abs: string, limit: number, enough: (head: Buffer) => boolean = () => false): Buffer | 'link' | null {
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return null;
  if (st.isSymbolicLink()) return 'link';
  if (!st.isFile()) return null;
  // The open library's database is never opened here (closing it would drop SQLite's locks: db/open.ts).
  if (isOpenDatabaseFile(abs)) return null;
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const at = fs.fstatSync(fd);
    if (!at.isFile() || at.ino !== st.ino || at.dev !== st.dev) return null; // replaced since the lstat
    let head = Buffer.alloc(0);
    while (head.length < limit) {
      const buf = Buffer.alloc(Math.min(64 * 1024, limit - head.length));
      const n = fs.readSync(fd, buf, 0, buf.length, head.length);
      if (n <= 0) break;
      head = Buffer.concat([head, buf.subarray(0, n)]);
      if (enough(head)) break;
    }
    return head;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** The `format` of every model card this app writes starts so (export/model.ts CARD_FORMAT). */
export const CARD_FORMAT_PREFIX = 'quality-curator-model/';
/** A card larger than this is not one of ours (ours are tens of KB). */
const CARD_READ_BYTES = 16 << 20;

/** A model card this app wrote: a JSON object whose `format` starts `quality-curator-model/`. */
export function isOurCard(abs: string): boolean {
  const head = readHead(abs, CARD_READ_BYTES + 1);
  if (head === 'link') return true;
  if (!head || head.length > CARD_READ_BYTES) return false;
  try {
    const card = JSON.parse(head.toString('utf8')) as unknown;
    const format = card !== null && typeof card === 'object' && !Array.isArray(card) ? (card as { format?: unknown }).format : undefined;
    return typeof format === 'string' && format.startsWith(CARD_FORMAT_PREFIX);
  } catch {
    return false;
  }
}

/** The ONNX `producer_name` of every model this app exports (export/model.ts). */
export const MODEL_PRODUCER = 'quality-curator/export-model';
/** Bytes of an ONNX file read for its top-level fields before the graph (which is skipped, not read). */
const MODEL_HEADER_BYTES = 64 * 1024;

/**
 * An ONNX model this app exported: its ModelProto's `producer_name` (field 2) is
 * {@link MODEL_PRODUCER}. Only the top-level fields are walked; a length-delimited field (the graph,
 * megabytes) is stepped over by its length, so the file is read only up to the producer's name,
 * wherever the encoder put it. Anything that is not a well-formed protobuf there is not ours.
 */
export function isOurModel(abs: string): boolean {
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) return true;
  if (!st?.isFile()) return false;
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return false;
  }
  try {
    const at = fs.fstatSync(fd);
    if (!at.isFile() || at.ino !== st.ino || at.dev !== st.dev) return false;
    const size = at.size;
    let pos = 0;
    const buf = Buffer.alloc(16);
    /** A varint at `pos` (at most 10 bytes), or null past the end or when malformed. */
    const varint = (): number | null => {
      const n = fs.readSync(fd, buf, 0, 10, pos);
      let value = 0;
      for (let i = 0; i < n; i++) {
        value += (buf[i]! & 0x7f) * 2 ** (7 * i);
        if (!(buf[i]! & 0x80)) {
          pos += i + 1;
          return Number.isSafeInteger(value) ? value : null;
        }
      }
      return null;
    };
    for (let fields = 0; pos < size && fields < 64; fields++) {
      const key = varint();
      if (key === null) return false;
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) {
        if (varint() === null) return false;
      } else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varint();
        if (len === null || pos + len > size) return false;
        if (field === 2) {
          if (len !== Buffer.byteLength(MODEL_PRODUCER) || len > MODEL_HEADER_BYTES) return false;
          const name = Buffer.alloc(len);
          return fs.readSync(fd, name, 0, len, pos) === len && name.toString('utf8') === MODEL_PRODUCER;
        }
        pos += len;
      } else return false;
    }
    return false;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** What every train graph this app draws says of itself: an SVG's `<desc>`, a PNG's `Software` text chunk. */
export const GRAPH_MARKER = 'Quality Curator train graph';
/** A graph file's name as graphs.ts writes it: `run-<id>-<loss|accuracy>.<svg|png>`. */
export const GRAPH_FILE = /^run-(\d+)-(loss|accuracy)\.(svg|png)$/;
const SVG_READ_BYTES = 64 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A train graph this app drew, at a name {@link GRAPH_FILE} matches: an SVG whose `<desc>` is
 * {@link GRAPH_MARKER}, or one drawn before the marker (its first line the `<svg>` element this
 * app writes, its title `Run <id>: <loss|accuracy> per epoch` of the run and chart its name says);
 * a PNG whose `Software` text chunk is the marker, or one drawn before it beside the SVG of the same
 * name that is ours (the two were always written together).
 */
export function isOurGraph(abs: string): boolean {
  const m = GRAPH_FILE.exec(path.basename(abs));
  if (!m) return false;
  const [, run, chart, ext] = m;
  const head = readHead(abs, SVG_READ_BYTES);
  if (head === 'link') return true;
  if (!head) return false;
  if (ext === 'svg') return isOurSvg(head, run!, chart!);
  const software = pngText(head, 'Software');
  if (software === GRAPH_MARKER) return true;
  if (!isPng(head) || software !== null) return false;
  const svg = readHead(abs.replace(/\.png$/, '.svg'), SVG_READ_BYTES);
  return svg !== null && svg !== 'link' && isOurSvg(svg, run!, chart!);
}

function isOurSvg(head: Buffer, run: string, chart: string): boolean {
  const text = head.toString('utf8');
  if (!text.startsWith('<svg xmlns="http://www.w3.org/2000/svg" ')) return false;
  if (text.includes(`<desc>${GRAPH_MARKER}</desc>`)) return true;
  const lines = text.split('\n');
  return /font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">$/.test(lines[0]!) && lines.slice(1, 4).some((l) => l.endsWith(`>Run ${run}: ${chart} per epoch</text>`));
}

function isPng(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** The value of the PNG's first `tEXt` chunk with `keyword` before its image data, or null. */
function pngText(head: Buffer, keyword: string): string | null {
  if (!isPng(head)) return null;
  for (let pos = 8; pos + 8 <= head.length; ) {
    const len = head.readUInt32BE(pos);
    const type = head.toString('latin1', pos + 4, pos + 8);
    if (type === 'IDAT' || type === 'IEND' || pos + 12 + len > head.length) return null;
    if (type === 'tEXt') {
      const data = head.subarray(pos + 8, pos + 8 + len);
      const nul = data.indexOf(0);
      if (nul >= 0 && data.toString('latin1', 0, nul) === keyword) return data.toString('latin1', nul + 1);
    }
    pos += 12 + len;
  }
  return null;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `png` with a `tEXt` chunk `keyword`=`value` (Latin-1) right after its header chunk (IHDR). */
export function withPngText(png: Buffer, keyword: string, value: string): Buffer {
  if (!isPng(png) || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(`${keyword}\0${value}`, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}
