"use client";
// The overview's per-app sparklines (CPU, memory, requests/s, 5xx/s), refreshed every 10 s.
import { useEffect, useState } from "react";
import { api } from "../api-client";
import { formatBytes } from "../format";
import { Sparkline } from "./sparkline";

type Columns = { t: number[]; cpu: number[]; rss: number[]; rps: number[]; errors: number[] };

export function useSparklines(): Record<string, Columns> {
  const [data, setData] = useState<Record<string, Columns>>({});
  useEffect(() => {
    let live = true;
    const load = async () => {
      const r = await api<Record<string, Columns>>("/metrics/recent");
      if (live && r.ok) setData(r.value);
    };
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return data;
}

export function AppSparklines({ columns }: { columns: Columns | undefined }) {
  if (!columns) return null;
  return (
    <div className="flex flex-wrap gap-x-4 gap-y-1 border-b border-line px-3 py-1.5">
      <Sparkline label="CPU" values={columns.cpu} color="#e8590c" format={(v) => `${v.toFixed(1)}%`} />
      <Sparkline label="Mem" values={columns.rss} color="#7048e8" format={formatBytes} />
      <Sparkline label="req/s" values={columns.rps} color="#1c7ed6" format={(v) => v.toFixed(1)} />
      <Sparkline label="5xx/s" values={columns.errors} color="#e03131" format={(v) => v.toFixed(1)} />
    </div>
  );
}
