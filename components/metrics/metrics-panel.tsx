"use client";
// An app's charts over a time range kept in the URL (?tab=metrics&range=6h): CPU, memory,
// requests, errors, latency, busy workers and the listen queue, then CPU and memory per process (for
// ranges up to 6 h: 10 s samples of up to 16 processes), refreshed every 10 s.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import type { AppSample, MetricRange } from "@/lib/protocol/metrics-messages";
import { api } from "../api-client";
import { CHARTS, PROCESS_CHARTS } from "./series";
import { UplotChart } from "./uplot-chart";

const RANGES: MetricRange[] = ["1h", "6h", "24h", "7d", "30d"];
/** Ranges whose answer may carry every sample's processes (at most 2,160 samples). */
const PROCESS_RANGES: MetricRange[] = ["1h", "6h"];
type History = { range: MetricRange; from: number; to: number; source: "agent" | "control-plane"; samples: AppSample[] };

export function MetricsPanel({ appId }: { appId: string }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const asked = params.get("range");
  const range: MetricRange = RANGES.find((r) => r === asked) ?? "1h";
  const [history, setHistory] = useState<History | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = async () => {
      const r = await api<History>(`/apps/${appId}/metrics?range=${range}${PROCESS_RANGES.includes(range) ? "&processes=1" : ""}`);
      if (!live) return;
      if (r.ok) {
        setHistory(r.value);
        setError(null);
      } else setError(r.error.message);
    };
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [appId, range]);

  const setRange = (r: MetricRange) => router.replace(`${pathname}?tab=metrics&range=${r}`, { scroll: false });
  const samples = history?.samples ?? [];
  const times = useMemo(() => samples.map((s) => s.t), [samples]);
  const charts = useMemo(() => CHARTS.map((c) => ({ ...c, data: c.series(samples) })), [samples]);
  const processCharts = useMemo(() => (samples.some((s) => s.perProcess?.length) ? PROCESS_CHARTS.map((c) => ({ ...c, data: c.series(samples) })) : []), [samples]);

  return (
    <div className="space-y-3" data-testid="metrics-panel">
      <div className="flex flex-wrap items-center gap-2">
        <fieldset className="inline-flex overflow-hidden rounded-md border border-line">
          <legend className="sr-only">Time range</legend>
          {RANGES.map((r) => (
            <button
              key={r}
              type="button"
              onClick={() => setRange(r)}
              aria-pressed={r === range}
              className={`px-2.5 py-1 text-xs ${r === range ? "bg-accent text-white" : "bg-panel text-muted hover:text-ink"}`}
            >
              {r}
            </button>
          ))}
        </fieldset>
        {history?.source === "control-plane" && <span className="text-xs text-amber-600">The agent is offline: the last hour the control plane kept.</span>}
        {error && <span className="text-xs text-red-600">{error}</span>}
      </div>
      {history && samples.length === 0 ? (
        <p className="rounded-lg border border-dashed border-line p-6 text-center text-muted">No samples in this range yet (the agent takes one every 10 seconds).</p>
      ) : (
        <div className="grid gap-3 md:grid-cols-2">
          {charts.map((c) => (
            <UplotChart key={c.id} title={c.title} unit={c.unit} times={times} series={c.data} />
          ))}
          {processCharts.map((c) => (
            <UplotChart key={c.id} title={c.title} unit={c.unit} times={times} series={c.data} testId="process-chart" />
          ))}
        </div>
      )}
      {history && samples.length > 0 && !PROCESS_RANGES.includes(range) && <p className="text-xs text-muted">Charts per process cover the last 1 h and 6 h.</p>}
    </div>
  );
}
