"use client";
// One time-series chart drawn by uPlot, as wide as its container (phone widths too), with axis and
// grid colours from the theme's CSS variables so it reads in dark mode (redrawn when the theme changes:
// the canvas keeps the colours it was drawn with).
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Series } from "./series";

type Props = { title: string; unit: string; times: number[]; series: Series[]; height?: number; testId?: string };

function themeColor(name: string, fallback: string): string {
  if (typeof window === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The widest date line uPlot's time axis writes under its first tick ({M}/{D}/{YY} {h}:{mm}{aa}). */
const WIDEST_DATE = "12/25/26 12:00pm";

/**
 * Width of the y axis: its tick labels' widest, measured in the axis font, plus ticks and gap (a fixed
 * 50 px cut "0.75%" and "100MB" on the left). At least half the widest date line, which the x axis
 * centres under the plot's left edge: a narrow y axis ("2") would cut that instead.
 */
function yAxisSize(u: uPlot, values: string[] | null, axisIdx: number): number {
  const axis = u.axes[axisIdx];
  // uPlot keeps the axis font scaled to device pixels ([font, size]); measure in it, then back to css px.
  const font = Array.isArray(axis?.font) ? String(axis.font[0]) : "12px system-ui";
  const before = u.ctx.font; // uPlot caches the font it last set: leave the context as it was
  u.ctx.font = font;
  const width = (text: string) => u.ctx.measureText(text).width / devicePixelRatio;
  const widest = Math.max(0, ...(values ?? []).map(width));
  const halfDate = width(WIDEST_DATE) / 2;
  u.ctx.font = before;
  return Math.ceil(Math.max(widest + (axis?.ticks?.size ?? 10) + (axis?.gap ?? 5), halfDate) + 4);
}

/** Changes whenever the <html> class list does (the theme toggle adds or removes "dark"). */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const seen = new MutationObserver(() => setVersion((v) => v + 1));
    seen.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
    return () => seen.disconnect();
  }, []);
  return version;
}

export function UplotChart({ title, unit, times, series, height = 160, testId = "metric-chart" }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();
  useEffect(() => {
    void theme; // redraw with the new theme's colours
    const el = box.current;
    if (!el) return;
    const ink = themeColor("--muted", "#5f6b7a");
    const grid = themeColor("--line", "#e3e6eb");
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      // The y axis as wide as its longest label ("100MB", "0.75%"): a fixed width clipped them on the left.
      axes: [axis, { ...axis, size: yAxisSize, values: (_u, ticks) => ticks.map((v) => `${v}${unit}`) }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: false, points: { show: false } }))],
    };
    const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, unit, height, theme]);
  return (
    <figure className="min-w-0 rounded-lg border border-line bg-panel p-2" data-testid={testId} data-chart={title}>
      <figcaption className="px-1 pb-1 text-xs font-semibold text-muted">{title}</figcaption>
      <div ref={box} className="w-full overflow-hidden text-xs text-ink" />
    </figure>
  );
}
