/**
 * Decide whether bytes are an image we can keep, and make its preview and thumbnail.
 * Magic bytes first (HTML error pages, empty bodies, other types), then sharp must really
 * decode it: truncated files fail, and images above the pixel limit are refused before decoding.
 */
import sharp, { type Metadata } from 'sharp';
import type { FailureReason } from '../../../src-shared/domain/library';

export const THUMB_SIZE = 256;
export const PREVIEW_SIZE = 1024;
/** Refuse images with more pixels than this (decompression bombs). 50 MP covers real camera photos. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

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

export interface VerifiedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** A ≤1024-px WebP preview, or null when the original can be shown as it is. */
  preview: Buffer | null;
  thumb: Buffer;
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

function looksLikeHtml(b: Buffer): boolean {
  const head = b.toString('latin1', 0, 512).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<?xml') || /<(head|body|title)[\s>]/.test(head);
}

export async function verifyImage(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<VerifiedImage> {
  if (bytes.length === 0) throw new VerifyFailure('empty', 'zero bytes');
  const format = sniffFormat(bytes);
  if (!format) {
    if (looksLikeHtml(bytes)) throw new VerifyFailure('html', `an HTML page (${bytes.length} bytes) starting "${bytes.toString('latin1', 0, 40).trim().replace(/\s+/g, ' ')}"`);
    throw new VerifyFailure('not_image', `unrecognised bytes ${bytes.subarray(0, 8).toString('hex')} (${bytes.length} bytes)`);
  }
  const opts = { limitInputPixels: maxPixels, failOn: 'warning' as const, animated: false };
  let meta: Metadata;
  try {
    // Header only: read the dimensions without the pixel limit, then refuse with a clear reason below.
    meta = await sharp(bytes, { ...opts, limitInputPixels: false }).metadata();
  } catch (e) {
    throw decodeFailure(e);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new VerifyFailure('truncated', 'no image dimensions in the header');
  if (width * height > maxPixels) {
    throw new VerifyFailure('too_many_pixels', `${width}×${height} = ${((width * height) / 1e6).toFixed(1)} MP exceeds the limit of ${(maxPixels / 1e6).toFixed(0)} MP`);
  }
  try {
    const thumb = await sharp(bytes, opts)
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75, effort: 2 })
      .toBuffer();
    // The original serves as its own preview when a browser can show it as it is: saves a re-encode.
    const servable = (format === 'jpeg' || format === 'png' || format === 'webp') && Math.max(width, height) <= PREVIEW_SIZE && (meta.orientation ?? 1) === 1 && meta.space === 'srgb';
    const preview = servable
      ? null
      : await sharp(bytes, opts).rotate().resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 82, effort: 2 }).toBuffer();
    return { format, width, height, preview, thumb };
  } catch (e) {
    throw decodeFailure(e);
  }
}

function decodeFailure(e: unknown): VerifyFailure {
  const message = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(message)) return new VerifyFailure('too_many_pixels', message);
  if (/unsupported image format/i.test(message)) return new VerifyFailure('not_image', message);
  return new VerifyFailure('truncated', message.split('\n')[0] ?? message);
}
