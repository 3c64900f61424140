/**
 * Decide whether bytes are an image we can keep, and make its preview and thumbnail (now, or later).
 * Magic bytes first (HTML error pages, empty bodies, other types), then sharp must really
 * decode it: truncated files fail, and images above the pixel limit are refused before decoding.
 */
import type { Metadata, SharpOptions } from 'sharp';
import { sharp } from '../deferred';
import type { FailureReason } from '../../../src-shared/domain/library';
import { decodeRgb, strictInput, TRANSPARENT_BACKGROUND, type RgbImage } from '../ml/backbone/preprocess';

export const THUMB_SIZE = 256;
export const PREVIEW_SIZE = 1024;
/** Refuse images with more pixels than this (decompression bombs). 50 MP covers real camera photos. */
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** The longest side accepted (JPEG's and WebP's own limit is 65,535 and 16,383): PNG, TIFF and GIF could claim a strip millions of pixels long. */
export const MAX_SIDE = 65_535;

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif';

export class VerifyFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    detail: string,
  ) {
    super(detail);
    this.name = 'VerifyFailure';
  }
}

/**
 * When the thumbnail and preview are made: `now` (at import), or `later` (the import only checks
 * that the image decodes; files.ts makes each one from the original the first time it is asked
 * for). Classifying a bundle uses `later`: most of a bundle's pictures are never looked at, and
 * the thumbnail is two thirds of the import's CPU time per picture.
 */
export type DerivedFiles = 'now' | 'later';

export interface VerifyOptions {
  /**
   * With `later`: check by decoding the whole image to RGB (the embedding's decode,
   * ml/backbone/preprocess.ts) and return those pixels, so a caller that embeds the picture next
   * need not decode it again (ml.classify). Otherwise the check decodes at 1/8 scale.
   */
  pixels?: boolean;
}

/**
 * Pictures up to this many pixels are handed over decoded (VerifyOptions.pixels), larger ones are
 * checked at 1/8 scale: the import holds each download's pixels until it is stored, so this bounds
 * that memory (12 MB a picture; EOL's 580-px media are ~0.3 MP).
 */
export const HAND_OVER_MAX_PIXELS = 4_000_000;

export interface VerifiedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** The original serves as its own preview (a browser shows it as it is): no preview file. */
  ownPreview: boolean;
  /** The ≤1024-px WebP preview when it is not the original and was made now. */
  preview: Buffer | null;
  /** The ≤256-px WebP thumbnail, when made now. */
  thumb: Buffer | null;
  /** The decoded picture (8-bit sRGB RGB, orientation applied), when asked for (VerifyOptions.pixels). */
  pixels?: RgbImage;
}

const startsWith = (b: Buffer, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

/** Identify an image type from its first bytes; null when it is none we accept. */
export function sniffFormat(b: Buffer): ImageFormat | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (b.toString('latin1', 0, 4) === 'GIF8') return 'gif';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (b.toString('latin1', 4, 8) === 'ftyp') {
    const brand = b.toString('latin1', 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis'].includes(brand)) return 'heif';
  }
  return null;
}

/** The name sharp's metadata gives each format we accept (AVIF is a HEIF with AV1 inside). */
const DECODER_FORMAT: Record<ImageFormat, string> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', avif: 'heif', heif: 'heif' };

/** Compressed PNG text (zTXt, compressed iTXt) above this is refused: libvips expands it all, ~1000× (4 GB from 1.5 MB). */
export const MAX_PNG_COMPRESSED_TEXT = 256 * 1024;
/** JPEG scans above this are refused: each scan is a pass over the whole image (2,650 scans: a minute of CPU). Cameras and encoders write 1–12. */
export const MAX_JPEG_SCANS = 100;

/**
 * GIF frames and TIFF pages above this are refused: the decoder reads every frame's or page's
 * header on each load (metadata, check, thumbnail, preview), though only the first is ever used
 * (sharp's `animated: false`): 2.9 M frames of 1×1 in 64 MB take 30 s and 680 MB per load.
 * Animations and multipage scans have tens to hundreds.
 */
export const MAX_FRAMES = 1000;

/**
 * A GIF's image descriptors (frames), counted up to `limit` by walking its block structure: the
 * header and global colour table, then extensions and images, each a run of length-prefixed
 * sub-blocks ended by a zero, until the trailer. Every step moves forward, so the walk is linear
 * in the bytes. Stops at bytes that are not a block (the decoder judges those).
 */
export function gifFrameCount(b: Buffer, limit: number): number {
  if (b.length < 13) return 0;
  const table = (packed: number) => (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  let at = 13 + table(b[10]!);
  /** The position after the sub-blocks starting at `from` (after their zero terminator). */
  const skipSubBlocks = (from: number) => {
    let p = from;
    while (p < b.length && b[p] !== 0) p += b[p]! + 1;
    return p + 1;
  };
  let frames = 0;
  while (at < b.length && frames < limit) {
    const block = b[at];
    if (block === 0x2c) {
      if (at + 10 > b.length) break;
      frames++;
      // 9 bytes of descriptor, a local colour table, the LZW minimum code size, then the data.
      at = skipSubBlocks(at + 10 + table(b[at + 9]!) + 1);
    } else if (block === 0x21) at = skipSubBlocks(at + 2);
    else break; // the trailer (0x3B), or not a block
  }
  return frames;
}

/**
 * A TIFF's pages (image file directories), counted up to `limit` along the chain each IFD ends
 * with. A chain that loops back, or an offset outside the file, ends the count there (libtiff
 * refuses or stops at those itself).
 */
export function tiffPageCount(b: Buffer, limit: number): number {
  if (b.length < 8) return 0;
  const le = b[0] === 0x49;
  const u16 = (at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const seen = new Set<number>();
  let pages = 0;
  for (let ifd = u32(4); ifd !== 0 && pages < limit; ) {
    if (seen.has(ifd) || ifd + 2 > b.length) break;
    seen.add(ifd);
    pages++;
    const next = ifd + 2 + 12 * u16(ifd);
    if (next + 4 > b.length) break;
    ifd = u32(next);
  }
  return pages;
}

/**
 * An animated WebP's frames (ANMF chunks), counted up to `limit` by walking its RIFF chunks: the
 * 12-byte RIFF header ('RIFF', size, 'WEBP'), then chunks of a FourCC, a little-endian 32-bit
 * size and the data, padded to an even length. A frame's own chunks are inside its ANMF data and
 * are stepped over with it. Every step moves forward at least 8 bytes, and nothing is read past
 * the end: a size running past the end stops the count there (the decoder judges such bytes).
 */
export function webpFrameCount(b: Buffer, limit: number): number {
  let frames = 0;
  for (let at = 12; at + 8 <= b.length && frames < limit; ) {
    const len = b.readUInt32LE(at + 4);
    if (b.toString('latin1', at, at + 4) === 'ANMF') frames++;
    at += 8 + len + (len & 1);
  }
  return frames;
}

/**
 * Where a TIFF's chain of directories (IFDs) runs past the end of the bytes: the offset of the
 * first directory that does not fit, or null when every one does (or the chain loops back). A
 * TIFF cut short loses the directories libtiff writes after the image data, and then libvips
 * reports only "unsupported image format".
 */
export function tiffDirectoryPastEnd(b: Buffer): number | null {
  if (b.length < 8) return 8;
  const le = b[0] === 0x49;
  const u16 = (at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const seen = new Set<number>();
  for (let ifd = u32(4); ifd !== 0 && !seen.has(ifd); ) {
    seen.add(ifd);
    if (ifd + 2 > b.length) return ifd;
    const next = ifd + 2 + 12 * u16(ifd);
    if (next + 4 > b.length) return ifd;
    ifd = u32(next);
  }
  return null;
}

/**
 * PNG chunks a browser honours and the import's decode does not, or not the same way: an animated
 * PNG's frames (`acTL`: a browser shows its animation, whose default image may be no frame at all,
 * where the model sees the default image) and colour chunks (`gAMA`, `cHRM`: a browser corrects
 * by them, grey 128 shown as 188). Such a PNG is not its own preview (hostile audit 2, M2).
 */
const PNG_SHOWN_OTHERWISE = new Set(['acTL', 'gAMA', 'cHRM']);

/** Whether a PNG has a chunk a browser would show differently from the thumbnail and the model ({@link PNG_SHOWN_OTHERWISE}). */
export function pngShownOtherwise(b: Buffer): boolean {
  for (let at = 8; at + 8 <= b.length; ) {
    const len = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    if (PNG_SHOWN_OTHERWISE.has(type)) return true;
    if (type === 'IDAT' || type === 'IEND') return false; // each of these comes before the image data
    at += 12 + len;
  }
  return false;
}

/**
 * What would make a decode cost far more than the pixels warrant, which the decoder has no limit
 * for; null when nothing. Read from the bytes before the decoder sees them: a PNG's chunk list
 * (the compressed text chunks it would expand), a JPEG's scan count (start-of-scan markers: 0xFF
 * 0xDA cannot occur inside entropy-coded data, where a 0xFF is always followed by 0x00 or a
 * restart marker), a GIF's and an animated WebP's frames and a TIFF's pages (MAX_FRAMES).
 */
export function decodeCostProblem(b: Buffer, format: ImageFormat): string | null {
  if (format === 'png') {
    let compressedText = 0;
    for (let at = 8; at + 8 <= b.length; ) {
      const len = b.readUInt32BE(at);
      const type = b.toString('latin1', at + 4, at + 8);
      const data = at + 8;
      if (type === 'zTXt') compressedText += len;
      else if (type === 'iTXt') {
        const nul = b.indexOf(0, data);
        if (nul >= 0 && nul + 1 < data + len && b[nul + 1] === 1) compressedText += len;
      } else if (type === 'IEND') break;
      if (compressedText > MAX_PNG_COMPRESSED_TEXT) return `compressed text chunks of over ${MAX_PNG_COMPRESSED_TEXT / 1024} KB (they expand about a thousandfold when decoded)`;
      at = data + len + 4;
    }
  } else if (format === 'jpeg') {
    let scans = 0;
    for (let at = b.indexOf(0xff); at >= 0 && at + 1 < b.length; at = b.indexOf(0xff, at + 1)) {
      if (b[at + 1] === 0xda && ++scans > MAX_JPEG_SCANS) return `more than ${MAX_JPEG_SCANS} scans (each a pass over the whole image)`;
    }
  } else if (format === 'gif') {
    if (gifFrameCount(b, MAX_FRAMES + 1) > MAX_FRAMES) return `more than ${MAX_FRAMES.toLocaleString('en')} frames (the decoder reads them all on every load; only the first is used)`;
  } else if (format === 'webp') {
    // libwebp's demuxer costs time quadratic in the frame count: 80,000 frames in 4 MB, 36 s.
    if (webpFrameCount(b, MAX_FRAMES + 1) > MAX_FRAMES) return `more than ${MAX_FRAMES.toLocaleString('en')} frames (the decoder reads them all on every load; only the first is used)`;
  } else if (format === 'tiff') {
    if (tiffPageCount(b, MAX_FRAMES + 1) > MAX_FRAMES) return `more than ${MAX_FRAMES.toLocaleString('en')} pages (the decoder reads them all on every load; only the first is used)`;
  }
  return null;
}

function looksLikeHtml(b: Buffer): boolean {
  const head = b.toString('latin1', 0, 512).trimStart().toLowerCase();
  if (looksLikeSvg(head)) return false;
  return head.startsWith('<!doctype html') || head.startsWith('<html') || (head.startsWith('<?xml') && /<(!doctype )?html/.test(head)) || /<(head|body|title)[\s>]/.test(head);
}

/** An SVG drawing (most editors start it with `<?xml …?>`, a comment or a doctype): `head` lower-cased. */
function looksLikeSvg(head: string): boolean {
  return /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!doctype svg[^>]*>\s*)*<svg[\s>]/.test(head);
}

/**
 * What bytes no accepted format starts with look like, for the failure list: the kinds a curator
 * meets (a PDF, a BMP or ICO, an SVG drawing, plain text), else their first 8 bytes in hex.
 */
function unrecognised(b: Buffer): string {
  const size = `${b.length.toLocaleString('en')} bytes`;
  const head = b.toString('latin1', 0, 512);
  if (head.startsWith('%PDF-')) return `a PDF document (${size}), not a picture`;
  if (startsWith(b, [0x42, 0x4d]) && b.length >= 26 && b.readUInt32LE(2) === b.length) return `a BMP picture (${size}): BMP is not accepted, convert it to PNG`;
  if (startsWith(b, [0, 0, 1, 0]) || startsWith(b, [0, 0, 2, 0])) return `an icon file (ICO/CUR, ${size}), not a photo`;
  if (looksLikeSvg(head.trimStart().toLowerCase())) return `an SVG drawing (${size}): SVG is not accepted (it can name other files), convert it to PNG`;
  // Text: printable ASCII or UTF-8 with line breaks and tabs, no NUL.
  const sample = b.subarray(0, 512);
  if (sample.length > 0 && !sample.includes(0) && sample.every((c) => c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) {
    return `text, not a picture (${size}), starting "${sample.toString('utf8', 0, 40).trim().replace(/\s+/g, ' ')}"`;
  }
  return `unrecognised bytes ${b.subarray(0, 8).toString('hex')} (${size})`;
}

const JPEG_END = Buffer.from([0xff, 0xd9]);

/**
 * A JPEG read with its end marker (FF D9) added where its last two bytes are not one: a file whose
 * only flaw is a missing marker (some writers leave it out; browsers and a lenient decode show it
 * whole, every pixel) was refused by the strict import check as truncated ("premature end of JPEG
 * image"). One cut short anywhere in its data still fails ("premature end of data segment",
 * measured on 40 dev photos cut at 50–99.9%). The stored original is the file as it came.
 */
export function withJpegEnd(bytes: Buffer): Buffer {
  if (sniffFormat(bytes) !== 'jpeg' || (bytes.length >= 2 && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9)) return bytes;
  return Buffer.concat([bytes, JPEG_END]);
}

export async function verifyImage(given: Buffer, maxPixels = DEFAULT_MAX_PIXELS, derived: DerivedFiles = 'now', vopts: VerifyOptions = {}): Promise<VerifiedImage> {
  if (given.length === 0) throw new VerifyFailure('empty', 'zero bytes');
  const format = sniffFormat(given);
  if (!format) {
    if (looksLikeHtml(given)) throw new VerifyFailure('html', `an HTML page (${given.length} bytes) starting "${given.toString('latin1', 0, 40).trim().replace(/\s+/g, ' ')}"`);
    throw new VerifyFailure('not_image', unrecognised(given));
  }
  // What the decoder reads: the file, or a JPEG with its missing end marker (withJpegEnd).
  const bytes = format === 'jpeg' ? withJpegEnd(given) : given;
  const costly = decodeCostProblem(bytes, format);
  if (costly) throw new VerifyFailure('decode_cost', costly);
  const opts = strictInput(maxPixels);
  let meta: Metadata;
  try {
    // Header only: read the dimensions without the pixel limit, then refuse with a clear reason below.
    meta = await sharp(bytes, { ...opts, limitInputPixels: false }).metadata();
  } catch (e) {
    throw decodeFailure(e, bytes, format);
  }
  // The decoder picks its loader by the bytes, not by our sniff: bytes that start like one format
  // but decode as another (an SVG with "ftypavif" at byte 4 inside a comment) are refused, so no
  // picture is decoded by a loader we did not choose (SVG can name other files and be made slow).
  if (meta.format !== DECODER_FORMAT[format]) {
    throw new VerifyFailure('not_image', `the bytes start like ${format.toUpperCase()} but decode as ${String(meta.format).toUpperCase()}, which is not accepted`);
  }
  // sharp's libvips reads HEIF containers but decodes only AV1 inside them: the HEVC of an
  // iPhone's HEIC fails at the decode with a misleading "bad seek" first.
  // libvips names the codec by the file's major brand, so an AV1 picture under the generic `mif1`
  // or `msf1` brand (as some encoders write AVIF) reads "hevc" too: a decode tells them apart.
  if (meta.format === 'heif' && meta.compression === 'hevc' && !(await decodesAtAll(bytes, opts))) {
    throw new VerifyFailure('not_image', 'HEIC (HEVC) cannot be decoded by this build: convert it to JPEG');
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new VerifyFailure('truncated', 'no image dimensions in the header');
  if (Math.max(width, height) > MAX_SIDE) {
    // Few pixels, but a strip that long costs the decoder and resizer time in proportion to its
    // length (1×40,000,000 px: about 20 s here); JPEG and WebP cannot even be that long.
    throw new VerifyFailure('too_many_pixels', `${width}×${height}: a side longer than ${MAX_SIDE.toLocaleString('en')} px is not a photo to curate (decoding it would take long)`);
  }
  if (width * height > maxPixels) {
    // In pixels: rounded to megapixels, one just over the limit read "50.0 MP exceeds the limit of 50 MP".
    throw new VerifyFailure('too_many_pixels', `${width}×${height} = ${(width * height).toLocaleString('en')} pixels, over the limit of ${maxPixels.toLocaleString('en')} (${+(maxPixels / 1e6).toFixed(2)} MP)`);
  }
  // The original serves as its own preview when a browser can show it as it is: saves a re-encode.
  // One with transparency does not: a browser would show it on the page, not on the background the model saw it on.
  const ownPreview = (format === 'jpeg' || format === 'png' || format === 'webp') && Math.max(width, height) <= PREVIEW_SIZE && (meta.orientation ?? 1) === 1 && meta.space === 'srgb' && !meta.hasAlpha && !(format === 'png' && pngShownOtherwise(bytes));
  try {
    // A JPEG read with its end marker added is decoded whole first: a reduced decode (the thumbnail's
    // or the cheap check's shrink-on-load) can miss data cut short before the marker.
    if (bytes !== given) await sharp(bytes, opts).raw().toBuffer();
    if (derived === 'later') {
      // Decoded all the same (truncated or corrupt data fails here, not when first shown): whole,
      // when the caller takes the pixels, else to a tiny raw image (a JPEG then decodes at 1/8
      // scale, which still reads every byte of its data).
      if (vopts.pixels && width * height <= HAND_OVER_MAX_PIXELS) return { format, width, height, ownPreview, preview: null, thumb: null, pixels: await decodeRgb(bytes, opts) };
      await sharp(bytes, opts).resize(32, 32, { fit: 'inside', kernel: 'nearest' }).raw().toBuffer();
      return { format, width, height, ownPreview, preview: null, thumb: null };
    }
    const thumb = await makeThumb(bytes, maxPixels);
    const preview = ownPreview ? null : await makePreview(bytes, maxPixels);
    return { format, width, height, ownPreview, preview, thumb };
  } catch (e) {
    // decodeRgb wraps sharp's error; the reason is read from sharp's own message.
    throw decodeFailure(e instanceof Error && e.cause instanceof Error ? e.cause : e, bytes, format);
  }
}

/** Whether the picture decodes (to a tiny raw image: the pixel limit of `opts` applies). */
async function decodesAtAll(bytes: Buffer, opts: SharpOptions): Promise<boolean> {
  try {
    await sharp(bytes, opts).resize(8, 8, { fit: 'inside', kernel: 'nearest' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * The shortest side a thumbnail keeps (no more than the picture's own): see {@link derivedBox}.
 * The preview's is in the same proportion to its size (128 px).
 */
export const THUMB_MIN_SIDE = 32;
export const PREVIEW_MIN_SIDE = (THUMB_MIN_SIDE * PREVIEW_SIZE) / THUMB_SIZE;

/**
 * The size a thumbnail or preview of a `width`×`height` picture (oriented) is made at: the picture
 * fitted inside `size`×`size`, never enlarged, except that its short side keeps at least `minSide`
 * px (or the picture's own short side, when that is less), the long side then cropped to `size`
 * around its centre. A strip (10000×50) fitted whole would be a hairline (256×1): the curator, who
 * is there to judge the picture's quality (sharpness, noise, compression), sees no pixels at all.
 * Cropping the centre shows real pixels at a readable scale (10000×50: 256×32 px, the preview 1024×50
 * at full scale); letterboxing the whole strip would still draw it 1 px high, and a strip's centre
 * is as good a sample of its quality as any part.
 */
export function derivedBox(width: number, height: number, size: number, minSide: number): { width: number; height: number } {
  const scale = Math.min(1, size / Math.max(width, height));
  const fitted = { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  const short = Math.min(width, height);
  const keep = Math.min(minSide, short);
  if (Math.min(fitted.width, fitted.height) >= keep) return fitted;
  const long = Math.min(size, Math.round((Math.max(width, height) * keep) / short));
  return width >= height ? { width: long, height: keep } : { width: keep, height: long };
}

/**
 * A thumbnail or preview: EXIF orientation applied, transparency on the model's background, sized by
 * {@link derivedBox}. A picture no larger than the thumbnail is stored losslessly: a lossy re-encode
 * of a tiny picture (WebP's 4:2:0 chroma halves an 8×8 one's colour resolution) visibly differs
 * from the original the curator is judging, and lossless costs little at that size.
 */
async function makeDerived(file: Buffer, maxPixels: number, size: number, minSide: number, quality: number): Promise<Buffer> {
  const input = strictInput(maxPixels);
  const bytes = withJpegEnd(file);
  const meta = await sharp(bytes, input).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error('no image dimensions in the header');
  const box = derivedBox(width, height, size, minSide);
  const lossless = Math.max(width, height) <= THUMB_SIZE;
  return sharp(bytes, input)
    .rotate()
    .flatten({ background: TRANSPARENT_BACKGROUND })
    .resize(box.width, box.height, { fit: 'cover', position: 'centre' })
    .webp(lossless ? { lossless: true, effort: 2 } : { quality, effort: 2 })
    .toBuffer();
}

/** The ≤256-px WebP thumbnail of an image, EXIF orientation applied, transparency on the model's background ({@link makeDerived}). */
export function makeThumb(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Buffer> {
  return makeDerived(bytes, maxPixels, THUMB_SIZE, THUMB_MIN_SIDE, 75);
}

/** The ≤1024-px WebP preview of an image, EXIF orientation applied, transparency on the model's background ({@link makeDerived}). */
export function makePreview(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Buffer> {
  return makeDerived(bytes, maxPixels, PREVIEW_SIZE, PREVIEW_MIN_SIDE, 82);
}

/**
 * The line of a decoder error that says what went wrong: the first, less the "source: bad seek"
 * lines libheif's reads leave ahead of the cause (a HEIF whose codec is missing), when another follows.
 */
export function decodeErrorLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // libvips' "Warning treated as error due to failOn setting" says only that a warning stopped the
  // decode: the warning's own line says what (when there is one), else it is said in words.
  const told = lines.filter((l) => !/(^|: )source: bad seek to \d+$/i.test(l) && !FAIL_ON_LINE.test(l));
  if (told.length) return told[0]!;
  if (lines.some((l) => FAIL_ON_LINE.test(l))) return 'the data ends early or is corrupt (the decoder stopped at a damaged part)';
  return lines[0] ?? message;
}

const FAIL_ON_LINE = /warning treated as error due to failon setting/i;

function decodeFailure(e: unknown, bytes: Buffer, format: ImageFormat): VerifyFailure {
  const message = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(message)) return new VerifyFailure('too_many_pixels', message);
  if (/unsupported image format/i.test(message)) {
    // Said too of a TIFF cut short (its directories are written after the image data).
    const cut = format === 'tiff' ? tiffDirectoryPastEnd(bytes) : null;
    if (cut !== null) return new VerifyFailure('truncated', `the TIFF's directory at byte ${cut.toLocaleString('en')} lies past the end of its ${bytes.length.toLocaleString('en')} bytes (cut short?): ${message}`);
    return new VerifyFailure('not_image', message);
  }
  return new VerifyFailure('truncated', decodeErrorLine(message));
}
