// The dashboard's charts, drawn as SVG by Preact (no chart library: bars, a share and a funnel
// are a few rectangles each). Every figure a chart draws is also in its legend as a number.
const count = (n: number): string => n.toLocaleString("zh-CN");
import type { Chart, Series } from "./types";

const WIDTH = 600;
const HEIGHT = 140;

function niceMax(values: number[]): number {
  return Math.max(1, ...values);
}

/** Bars side by side per slot (a day or an hour), one colour per series. */
function Bars({ slots, series, caption }: { slots: string[]; series: number[][]; caption: string }) {
  const max = niceMax(series.flat());
  const slot = WIDTH / Math.max(1, slots.length);
  const bar = (slot * 0.8) / Math.max(1, series.length);
  return (
    <svg
      class="dash-svg"
      viewBox={`0 0 ${WIDTH} ${HEIGHT + 16}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={caption}
    >
      <line class="dash-axis" x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
      {series.map((values, s) =>
        values.map((value, i) => {
          const h = (value / max) * (HEIGHT - 16); // room for the top label
          return (
            <rect
              key={`${s}-${i}`}
              class={`dash-bar dash-c${s}`}
              x={i * slot + slot * 0.1 + s * bar}
              y={HEIGHT - h}
              width={Math.max(bar, 0.5)}
              height={h}
            >
              <title>{`${slots[i]}: ${count(value)}`}</title>
            </rect>
          );
        }),
      )}
      <text class="dash-tick" x={0} y={HEIGHT + 13}>
        {slots[0]}
      </text>
      <text class="dash-tick" x={WIDTH} y={HEIGHT + 13} text-anchor="end">
        {slots[slots.length - 1]}
      </text>
      <text class="dash-tick" x={2} y={10}>
        {count(max)}
      </text>
    </svg>
  );
}

/** A bucket's bound: seconds, minutes or hours. */
function durationText(seconds: number): string {
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`;
  return `${Math.round(seconds / 3600)} 小时`;
}

function Legend({ chart, share }: { chart: Chart; share?: boolean }) {
  const all = chart.series.reduce((sum, s) => sum + s.total, 0);
  return (
    <ul class="dash-legend">
      {chart.series.map((s, i) => (
        <li key={s.metric}>
          <span class={`dash-swatch dash-c${i}`} />
          <span>{s.label}</span>
          <strong data-testid={`dash-total-${s.metric}`}>{count(s.total)}</strong>
          {share && all > 0 && (
            <span class="muted" data-testid={`dash-share-${s.metric}`}>
              {`${((s.total / all) * 100).toFixed(1)}%`}
            </span>
          )}
          {s.median_s !== null && (
            <span class="muted" data-testid={`dash-median-${s.metric}`}>
              {`中位数 ≤ ${durationText(s.median_s)}`}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function Share({ series }: { series: Series[] }) {
  const all = series.reduce((sum, s) => sum + s.total, 0);
  const widths = series.map((s) => (all > 0 ? (s.total / all) * WIDTH : 0));
  const starts = widths.map((_, i) => widths.slice(0, i).reduce((sum, w) => sum + w, 0));
  return (
    <svg class="dash-share" viewBox={`0 0 ${WIDTH} 18`} preserveAspectRatio="none" role="img">
      {series.map((s, i) => (
        <rect key={s.metric} class={`dash-c${i}`} x={starts[i]} y={0} width={widths[i]} height={18} />
      ))}
    </svg>
  );
}

function Funnel({ series }: { series: Series[] }) {
  const first = series[0]?.total ?? 0;
  const max = niceMax(series.map((s) => s.total));
  return (
    <div class="dash-funnel">
      {series.map((s) => (
        <div class="dash-step" key={s.metric}>
          <span class="dash-step-name">{s.label}</span>
          <svg viewBox={`0 0 ${WIDTH} 16`} preserveAspectRatio="none" class="dash-step-bar">
            <rect class="dash-c0" x={0} y={0} width={(s.total / max) * WIDTH} height={16} />
          </svg>
          <span class="dash-step-figure">
            {count(s.total)}
            {first > 0 && ` (${((s.total / first) * 100).toFixed(0)}%)`}
          </span>
          {s.median_s !== null && (
            <span class="muted dash-step-median" data-testid={`dash-median-${s.metric}`}>
              {`中位数 ≤ ${durationText(s.median_s)}`}
            </span>
          )}
        </div>
      ))}
    </div>
  );
}

const HOUR_SLOTS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}时`);

export function ChartBody({ chart, days }: { chart: Chart; days: string[] }) {
  switch (chart.kind) {
    case "hours":
      return (
        <>
          <Bars
            slots={HOUR_SLOTS}
            series={chart.series.flatMap((s) => (s.hours ? [s.hours] : []))}
            caption={chart.title}
          />
          <Legend chart={chart} />
        </>
      );
    case "funnel":
      return <Funnel series={chart.series} />;
    case "share":
      return (
        <>
          <Share series={chart.series} />
          <Bars slots={days} series={chart.series.map((s) => s.daily)} caption={chart.title} />
          <Legend chart={chart} share />
        </>
      );
    default:
      return (
        <>
          <Bars slots={days} series={chart.series.map((s) => s.daily)} caption={chart.title} />
          <Legend chart={chart} />
        </>
      );
  }
}
