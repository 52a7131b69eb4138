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
      axes: [axis, { ...axis, size: 50, values: (_u, ticks) => ticks.map((v) => `${v}${unit}`) }],
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
