/**
 * Small SVG charts for the evaluation panel: curves in the unit square with a marked point, and a
 * two-class histogram with a threshold line. Plain SVG: crisp at any size, readable by tests.
 */
import { fmtP } from './format';

export interface LineSeries {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dash?: string;
}

const W = 260;
const H = 200;
const PAD = { l: 42, r: 8, t: 8, b: 28 };
const sx = (x: number) => PAD.l + x * (W - PAD.l - PAD.r);
const sy = (y: number) => H - PAD.b - y * (H - PAD.t - PAD.b);

function Axes({ xLabel, yLabel }: { xLabel: string; yLabel: string }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <g className="svgchart__axes">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={sx(t)} x2={sx(t)} y1={sy(0)} y2={sy(1)} className="svgchart__grid" />
          <line x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} className="svgchart__grid" />
          <text x={sx(t)} y={H - PAD.b + 12} textAnchor="middle">
            {t}
          </text>
          <text x={PAD.l - 4} y={sy(t) + 3} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      <text x={(sx(0) + sx(1)) / 2} y={H - 4} textAnchor="middle" className="svgchart__label">
        {xLabel}
      </text>
      <text x={9} y={(sy(0) + sy(1)) / 2} textAnchor="middle" transform={`rotate(-90 9 ${(sy(0) + sy(1)) / 2})`} className="svgchart__label">
        {yLabel}
      </text>
    </g>
  );
}

export function CurveChart({
  title,
  series,
  xLabel,
  yLabel,
  marker,
  testId,
  diagonal = false,
}: {
  title: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  marker?: { x: number; y: number; label: string } | null;
  testId: string;
  diagonal?: boolean;
}) {
  return (
    <figure className="svgchart" data-testid={testId} data-points={series[0]?.points.length ?? 0}>
      <figcaption className="chart__title">
        {title}
        {series.map((s) => (
          <span key={s.label} className="chart__last" style={{ color: s.color }}>
            {s.label}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <Axes xLabel={xLabel} yLabel={yLabel} />
        {diagonal && <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} className="svgchart__diag" />}
        {series.map((s) => (
          <polyline key={s.label} fill="none" stroke={s.color} strokeWidth={2} strokeDasharray={s.dash} points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')} />
        ))}
        {marker && (
          <g data-testid={`${testId}-marker`} data-x={marker.x} data-y={marker.y}>
            <circle cx={sx(marker.x)} cy={sy(marker.y)} r={4.5} className="svgchart__marker" />
            <title>{marker.label}</title>
          </g>
        )}
      </svg>
    </figure>
  );
}

/** Two stacked-free bar series (bad, good) over bins of p(bad), with the threshold as a line. */
export function LabelHistogramChart({
  edges,
  bad,
  good,
  threshold,
  testId,
  height = 70,
  at = (t) => t,
  ticks = [],
}: {
  /** The bins' left edges; the last bin runs to 1. Drawn equally wide whatever their spacing. */
  edges: number[];
  bad: number[];
  good: number[];
  threshold: number;
  testId: string;
  height?: number;
  /** Where p(bad) = t stands across the chart, 0..1 (the bins' scale; default even in p). */
  at?: (t: number) => number;
  /** p(bad) values labelled on the axis between its ends. */
  ticks?: number[];
}) {
  const w = 320;
  const max = Math.max(1, ...bad, ...good);
  const n = edges.length;
  const bw = w / n;
  const range = (i: number) => `[${fmtP(edges[i]!)}, ${i + 1 < n ? `${fmtP(edges[i + 1]!)})` : '1]'}`;
  return (
    <svg className="histo" viewBox={`0 0 ${w} ${height + 12}`} data-testid={testId} role="img" aria-label="p(bad) of held-out images by label">
      {edges.map((e, i) => {
        const hb = (bad[i]! / max) * height;
        const hg = (good[i]! / max) * height;
        return (
          <g key={e}>
            <rect x={i * bw + 1} y={height - hg} width={bw / 2 - 1} height={hg} className="histo__good">
              <title>{`${good[i]} labelled good with p(bad) in ${range(i)}`}</title>
            </rect>
            <rect x={i * bw + bw / 2} y={height - hb} width={bw / 2 - 1} height={hb} className="histo__bad">
              <title>{`${bad[i]} labelled bad with p(bad) in ${range(i)}`}</title>
            </rect>
          </g>
        );
      })}
      <line x1={at(threshold) * w} x2={at(threshold) * w} y1={0} y2={height} className="histo__threshold" data-testid={`${testId}-threshold`} />
      <text x={2} y={height + 10} className="histo__axis">
        p(bad) 0
      </text>
      <text x={w - 2} y={height + 10} textAnchor="end" className="histo__axis">
        1
      </text>
      {ticks.map((t) => (
        <text key={t} x={at(t) * w} y={height + 10} textAnchor="middle" className="histo__axis">
          {fmtP(t)}
        </text>
      ))}
    </svg>
  );
}
