/**
 * Quality signals in words and units ("Width 580 px", "Noise 3.2 grey levels"), not raw floats. The
 * hints' limits are the core's own (EXPLAIN_THRESHOLDS, behind the preview's reasons), in the
 * signal's units, so a hint never calls a value bad that the core calls normal.
 */
import { EXPLAIN_THRESHOLDS, type ExplainThresholds } from '../../src-shared/domain/signals';
import { fmtPct } from './format';

interface SignalFormat {
  name: string;
  value(v: number): string;
  hint?: string;
}

const pct = (v: number) => fmtPct(v, 1);
const px = (v: number) => `${Math.round(v)} px`;
const grey = (v: number) => `${v.toFixed(1)} grey levels`;
const blocking = (v: number) => `×${v.toFixed(2)}`;
const rel = (v: number) => v.toFixed(3);
const colour = (v: number) => v.toFixed(0);

/** How each signal is shown, its hints built from the given thresholds (the core's, unless a test says otherwise). */
export function signalFormats(t: ExplainThresholds = EXPLAIN_THRESHOLDS): Readonly<Record<string, SignalFormat>> {
  const tiny = `tiny when the long side is below ${px(t.tinyLongSide)}`;
  return {
    width: { name: 'Width', value: px, hint: tiny },
    height: { name: 'Height', value: px, hint: tiny },
    megapixels: { name: 'Size', value: (v) => `${v.toFixed(2)} MP` },
    bytesPerPixel: { name: 'File size per pixel', value: (v) => `${v.toFixed(2)} B/px`, hint: 'low: heavy JPEG compression' },
    sharpness: { name: 'Sharpness', value: (v) => v.toFixed(0), hint: 'variance of the Laplacian; low = blurry' },
    relSharpness: { name: 'Relative sharpness', value: rel, hint: `sharpness / contrast; photos 0.01–1.5, blurry below ${rel(t.blurryRelSharpness)}` },
    edgeDensity: { name: 'Edges', value: pct, hint: 'share of pixels on a clear edge' },
    noise: { name: 'Noise', value: grey, hint: `standard deviation; noisy above ${grey(t.noisyNoise)}` },
    blockiness: { name: 'JPEG blocking', value: blocking, hint: `JPEG artefacts above ${blocking(t.jpegBlockiness)}` },
    meanLuma: {
      name: 'Brightness',
      value: pct,
      hint: `underexposed below ${pct(t.underMeanLuma)}; overexposed above ${pct(t.overMeanLuma)} when contrast is below ${pct(t.overMaxContrast)}`,
    },
    stdLuma: { name: 'Brightness spread', value: pct },
    darkClipped: { name: 'Black (clipped)', value: pct, hint: `underexposed above ${pct(t.underDarkClipped)}` },
    brightClipped: { name: 'White (clipped)', value: pct, hint: `overexposed above ${pct(t.overBrightClipped)} when contrast is below ${pct(t.overMaxContrast)}` },
    contrast: {
      name: 'Contrast',
      value: pct,
      hint: `5th to 95th percentile of brightness; hazy below ${pct(t.hazyContrast)} (brightness ${pct(t.hazyMinLuma)}–${pct(1 - t.hazyMinLuma)})`,
    },
    colourfulness: {
      name: 'Colourfulness',
      value: colour,
      hint: `below ${colour(t.dullMinColourfulness)} grey, below ${colour(t.dullColourfulness)} dull, > 45 very colourful`,
    },
  };
}

export const SIGNAL_FORMATS = signalFormats();

/** Order for display: size first, then sharpness, noise, compression, exposure, colour. */
const ORDER = Object.keys(SIGNAL_FORMATS);

export function formatSignal(key: string, value: number): { name: string; value: string; hint?: string } {
  const f = SIGNAL_FORMATS[key];
  if (!f) return { name: key, value: Number.isInteger(value) ? String(value) : value.toPrecision(3) };
  return { name: f.name, value: Number.isFinite(value) ? f.value(value) : '–', ...(f.hint && { hint: f.hint }) };
}

export function formatSignals(signals: Record<string, number>): { key: string; name: string; value: string; hint?: string }[] {
  const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  return Object.entries(signals)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([key, v]) => ({ key, ...formatSignal(key, v) }));
}

/** EOL's id of an image when known, else the library's own id, for display. */
export function imageLabel(item: { image_id: number; eol_id?: string | null }): string {
  return item.eol_id ? `EOL ${item.eol_id}` : `#${item.image_id}`;
}
