/**
 * A synthetic copy as the library would hold it: the pure distortion or benign edit of the decoded
 * original, saved as a JPEG at quality 90 (how photos are published) and decoded again, so its
 * features — bytes per pixel included — come from the same kind of file as a real image's.
 * Nothing is written to disk.
 */
import { sharp } from '../../deferred';
import { decodeRgb, type Decoded, type RgbImage } from '../backbone/preprocess';
import { applySynthetic, type SyntheticSpec } from './index';
import { codedBytes } from '../features/codedBytes';

export const SAVE_QUALITY = 90;

export async function renderSynthetic(original: RgbImage, spec: SyntheticSpec): Promise<Decoded> {
  const out = applySynthetic(original, spec);
  const jpeg = await sharp(out.data, { raw: { width: out.width, height: out.height, channels: 3 } })
    .jpeg({ quality: SAVE_QUALITY })
    .toBuffer();
  return { img: await decodeRgb(jpeg), bytes: codedBytes(jpeg) };
}
