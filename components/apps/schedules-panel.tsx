"use client";
// An app's schedules and their kept runs (newest first): when, status, exit code, duration and the
// output, read from the agent every few seconds.
import { useCallback, useEffect, useState } from "react";
import type { ScheduleRun, SchedulesReply } from "@/lib/protocol/jobs-spec";
import { api } from "../api-client";

const TONE: Record<ScheduleRun["status"], string> = {
  running: "text-sky-700 dark:text-sky-300",
  succeeded: "text-emerald-700 dark:text-emerald-300",
  failed: "text-red-600",
  "timed-out": "text-red-600",
  "not-started": "text-red-600",
  skipped: "text-muted",
};

function RunRow({ run }: { run: ScheduleRun }) {
  const how = run.signal ? `signal ${run.signal}` : run.exitCode !== null ? `exit ${run.exitCode}` : "";
  return (
    <li className="border-t border-line/60 px-3 py-1.5 text-xs" data-testid="schedule-run" data-status={run.status}>
      <div className="flex flex-wrap gap-3">
        <time className="w-44 shrink-0 font-mono text-muted" dateTime={run.scheduledFor}>
          {run.scheduledFor.replace("T", " ").slice(0, 19)} UTC
        </time>
        <span className={`w-20 shrink-0 font-medium ${TONE[run.status]}`}>{run.status}</span>
        <span className="w-16 shrink-0 font-mono">{how}</span>
        <span className="w-20 shrink-0 font-mono">{run.durationMs === null ? "" : `${(run.durationMs / 1000).toFixed(1)} s`}</span>
        <span className="min-w-0 break-words text-muted">{run.note}</span>
      </div>
      {(run.output || run.status === "succeeded" || run.status === "failed") && (
        <details className="mt-1">
          <summary className="cursor-pointer text-muted">output{run.outputTruncated ? " (first 32 KiB)" : ""}</summary>
          <pre className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap rounded bg-surface p-2">{run.output || "(no output)"}</pre>
        </details>
      )}
    </li>
  );
}

export function SchedulesPanel({ appId, hasSchedules }: { appId: string; hasSchedules: boolean }) {
  const [data, setData] = useState<SchedulesReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await api<SchedulesReply>(`/apps/${appId}/schedules`);
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setData(r.value);
  }, [appId]);
  useEffect(() => {
    if (!hasSchedules) return;
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [load, hasSchedules]);
  if (!hasSchedules) {
    return (
      <p className="rounded-lg border border-dashed border-line p-6 text-center text-muted" data-testid="schedules-empty">
        No schedules. Commands run on a cron schedule go in the spec:{" "}
        <code>{'"schedules": [{"name": "cleanup", "cron": "*/5 * * * *", "command": ["php", "artisan", "schedule:run"]}]'}</code>
      </p>
    );
  }
  if (error) return <p className="text-red-600">{error}</p>;
  if (!data) return <p className="text-muted">Loading…</p>;
  return (
    <div className="space-y-3" data-testid="schedules-panel">
      {data.schedules.map((s) => (
        <section key={s.name} className="rounded-lg border border-line bg-panel" data-schedule={s.name}>
          <header className="border-b border-line px-3 py-2">
            <h3 className="font-medium">
              {s.name} <code className="ml-2 text-xs text-muted">{s.cron}</code>
              {s.running && <span className="ml-2 text-xs text-sky-700 dark:text-sky-300">running</span>}
            </h3>
            <code className="block truncate text-xs text-muted">{s.command.join(" ")}</code>
            <p className="text-xs text-muted">
              next run {s.nextRunAt ? `${s.nextRunAt.replace("T", " ").slice(0, 16)} UTC` : "— (the app is stopped)"} · overlap {s.overlap ? "allowed" : "no"} · missed runs: {s.catchUp === "once" ? "run once" : "skipped"}
            </p>
          </header>
          {s.runs.length === 0 ? <p className="px-3 py-3 text-xs text-muted">No runs yet.</p> : <ul>{s.runs.map((r) => <RunRow key={r.id} run={r} />)}</ul>}
        </section>
      ))}
    </div>
  );
}
