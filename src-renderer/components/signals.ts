/** Quality signals in words and units ("Width 580 px", "Noise 3.2 grey levels"), not raw floats. */
import { fmtPct } from './format';

interface SignalFormat {
  name: string;
  value(v: number): string;
  hint?: string;
}

const pct = (v: number) => fmtPct(v, 1);

export const SIGNAL_FORMATS: Readonly<Record<string, SignalFormat>> = {
  width: { name: 'Width', value: (v) => `${Math.round(v)} px` },
  height: { name: 'Height', value: (v) => `${Math.round(v)} px` },
  megapixels: { name: 'Size', value: (v) => `${v.toFixed(2)} MP` },
  bytesPerPixel: { name: 'File size per pixel', value: (v) => `${v.toFixed(2)} B/px`, hint: 'low: heavy JPEG compression' },
  sharpness: { name: 'Sharpness', value: (v) => v.toFixed(0), hint: 'variance of the Laplacian; low = blurry' },
  relSharpness: { name: 'Relative sharpness', value: (v) => v.toFixed(3), hint: 'sharpness / contrast; photos 0.01–1.5, blurred < 0.008' },
  edgeDensity: { name: 'Edges', value: pct, hint: 'share of pixels on a clear edge' },
  noise: { name: 'Noise', value: (v) => `${v.toFixed(1)} grey levels`, hint: 'standard deviation' },
  blockiness: { name: 'JPEG blocking', value: (v) => `×${v.toFixed(2)}`, hint: '~1 clean, > 1 blocky' },
  meanLuma: { name: 'Brightness', value: pct },
  stdLuma: { name: 'Brightness spread', value: pct },
  darkClipped: { name: 'Black (clipped)', value: pct },
  brightClipped: { name: 'White (clipped)', value: pct },
  contrast: { name: 'Contrast', value: pct, hint: '5th to 95th percentile of brightness' },
  colourfulness: { name: 'Colourfulness', value: (v) => v.toFixed(0), hint: '~0 grey, < 15 dull, > 45 very colourful' },
};

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
