"use client";
// One time-series chart drawn by uPlot, as wide as its container (phone widths too), with axis and
// grid colours from the theme's CSS variables so it reads in dark mode.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Series } from "./series";

type Props = { title: string; unit: string; times: number[]; series: Series[]; height?: number };

function themeColor(name: string, fallback: string): string {
  if (typeof window === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function UplotChart({ title, unit, times, series, height = 160 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
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
  }, [times, series, unit, height]);
  return (
    <figure className="min-w-0 rounded-lg border border-line bg-panel p-2" data-testid="metric-chart" data-chart={title}>
      <figcaption className="px-1 pb-1 text-xs font-semibold text-muted">{title}</figcaption>
      <div ref={box} className="w-full overflow-hidden text-xs text-ink" />
    </figure>
  );
}
