/** Loss or accuracy per epoch, train vs validation, drawn with uPlot. */
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
}

interface Props {
  title: string;
  x: number[];
  series: ChartSeries[];
  testId: string;
  height?: number;
  /** Percent axis for accuracies. */
  percent?: boolean;
}

/** Tick steps of the epoch axis: whole epochs only. */
export const EPOCH_TICK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** An epoch tick's text: integers only (a fractional split gets no label). */
export function epochTick(v: number): string {
  return Number.isInteger(v) ? String(v) : '';
}

/** A DOM without canvas (jsdom in tests) gets the legend only. */
function canvasAvailable(): boolean {
  return typeof navigator !== 'undefined' && !/jsdom/i.test(navigator.userAgent) && typeof HTMLCanvasElement !== 'undefined';
}

export function EpochChart({ title, x, series, testId, height = 200, percent = false }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|') + (percent ? '%' : '');
  const latest = useRef({ x, series });
  latest.current = { x, series };

  // (Re)create when the set of series changes. uPlot is loaded on first use (it touches
  // window.matchMedia when imported, which a DOM without layout lacks).
  useEffect(() => {
    const el = holder.current;
    if (!el || !canvasAvailable()) return;
    let disposed = false;
    let cleanup: (() => void) | null = null;
    void import('uplot').then(({ default: UPlot }) => {
      if (disposed) return;
      const opts: uPlot.Options = {
        width: Math.max(200, el.clientWidth || 480),
        height,
        legend: { show: false }, // the caption shows the latest values
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          {
            stroke: '#9aa4b2',
            grid: { stroke: '#2a3038', width: 1 },
            ticks: { stroke: '#2a3038' },
            label: 'epoch',
            labelSize: 16,
            font: '11px system-ui',
            labelFont: '11px system-ui',
            // Epochs are whole numbers: ticks only at integers.
            incrs: EPOCH_TICK_STEPS,
            values: (_u: uPlot, vals: number[]) => vals.map(epochTick),
          },
          {
            stroke: '#9aa4b2',
            grid: { stroke: '#2a3038', width: 1 },
            ticks: { stroke: '#2a3038' },
            font: '11px system-ui',
            size: 48,
            ...(percent && { values: (_u: uPlot, vals: number[]) => vals.map((v) => `${(v * 100).toFixed(0)}%`) }),
          },
        ],
        series: [{ label: 'epoch' }, ...latest.current.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, ...(s.dash && { dash: s.dash }), points: { show: false }, spanGaps: true }))],
      };
      const u = new UPlot(opts, [latest.current.x, ...latest.current.series.map((s) => s.values)] as uPlot.AlignedData, el);
      plot.current = u;
      let ro: ResizeObserver | null = null;
      if (typeof ResizeObserver !== 'undefined') {
        ro = new ResizeObserver(() => {
          const w = el.clientWidth;
          if (w > 0) u.setSize({ width: w, height });
        });
        ro.observe(el);
      }
      cleanup = () => {
        ro?.disconnect();
        u.destroy();
        plot.current = null;
      };
    });
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, [shape, height]); // `shape` stands for the list of series

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series, shape]);

  const lastOf = (s: ChartSeries) => {
    for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null && s.values[i] !== undefined) return s.values[i]!;
    return null;
  };
  return (
    <figure className="chart" data-testid={testId} data-points={x.length}>
      <figcaption className="chart__title">
        {title}
        {series.map((s) => {
          const v = lastOf(s);
          return (
            <span key={s.label} className="chart__last" style={{ color: s.color }}>
              {s.label} {v === null ? '–' : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)}
            </span>
          );
        })}
      </figcaption>
      <div ref={holder} className="chart__plot" />
      {x.length === 0 && <div className="chart__empty muted small">No epochs yet.</div>}
    </figure>
  );
}
