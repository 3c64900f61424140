/** Number and date formatting for dense tables. */
import { formatProbability, formatThreshold } from '../../src-shared/domain/threshold';
import { noun } from '../../src-shared/domain/words';

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

/** A count with its noun, as every message writes it: `1 URL`, `2 URLs`, `1,024 images`, `1 label confirmed`. */
export function fmtCount(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${noun(n, one, many)}`;
}

export function fmtPct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

export function fmtNum(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** An image's p(bad) (a probability, not a threshold: see fmtT): three decimals, more near 0 or 1 (formatProbability: 0.999984, not 1.000). */
export function fmtP(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : formatProbability(x);
}

/**
 * A threshold, written as everywhere else (the CLI's `qc threshold`, `qc run`): formatThreshold,
 * whose digits typed back flag the same images (0.9686, 0.512345, 0.9686275; never 1.000 for 0.999995).
 */
export function fmtT(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : formatThreshold(x);
}

/** A number as fmtP or fmtT writes it (`0.999974`, `3.0e-9`, `1 − 2.0e-9`), read back. */
function readBack(text: string): number {
  return text.startsWith('1 − ') ? 1 - Number(text.slice(4)) : Number(text);
}

/**
 * p(bad) beside threshold t: fmtP's digits, or more until the text falls on p's side of t and of
 * t as fmtT shows it (beside a threshold shown as 0.999979, an unflagged 0.9999788 reads 0.9999788,
 * never 0.999979 or 1.00). Without a threshold, fmtP(p). Everything that prints a p(bad) next to a
 * threshold uses it: tiles, the preview, the compare view.
 */
export function fmtPAt(p: number | null, t: number | null): string {
  if (p === null || !Number.isFinite(p)) return '–';
  const plain = fmtP(p);
  if (t === null || !Number.isFinite(t)) return plain;
  const flagged = p >= t;
  const shownT = readBack(fmtT(t));
  const onSide = (text: string, against: number) => readBack(text) >= against === flagged;
  const decimals = /^\d\.(\d+)$/.exec(plain)?.[1]?.length ?? 3;
  const candidates = [plain];
  for (let d = decimals + 1; d <= 12; d++) candidates.push(p.toFixed(d));
  return candidates.find((c) => onSide(c, t) && onSide(c, shownT)) ?? candidates.find((c) => onSide(c, t)) ?? plain;
}

/** A signed difference in percentage points (`+1.2 pp`) or plain units. */
export function fmtDelta(d: number | null | undefined, opts: { pct?: boolean; digits?: number } = {}): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–';
  const digits = opts.digits ?? (opts.pct ? 1 : 3);
  const v = opts.pct ? d * 100 : d;
  const s = v.toFixed(digits);
  const zero = Number(s) === 0;
  return `${zero ? '±' : v > 0 ? '+' : ''}${zero ? (0).toFixed(digits) : s}${opts.pct ? ' pp' : ''}`;
}

export function deltaClass(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d) || Math.abs(d) < 1e-9) return 'delta delta--zero';
  return d > 0 ? 'delta delta--up' : 'delta delta--down';
}

export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '–';
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * Where a run's numbers came from, in words: the backbone, whether its features were embedded
 * (on which onnxruntime provider) or all read from the cache (provider 'none': the demo's feature
 * pack, or features made before), and what trained the head ('onnxruntime', 'js' or a tfjs backend).
 */
export function runEngines(r: { backbone?: string | null; provider?: string | null; backend?: string | null }): string {
  const features = !r.provider || r.provider === 'none' ? 'features from the cache (nothing embedded)' : `features embedded on ${r.provider}`;
  return `backbone ${r.backbone ?? '–'} · ${features} · head trained with ${r.backend ?? '–'}`;
}
