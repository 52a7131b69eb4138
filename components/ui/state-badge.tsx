// A process or host state as a coloured badge; colour is never the only signal (text too).
import { clsx } from "clsx";

const TONE: Record<string, string> = {
  RUNNING: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  STARTING: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  STOPPING: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  BACKOFF: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  EXITED: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  STOPPED: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  FATAL: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  ONLINE: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  OFFLINE: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span data-state={state} className={clsx("inline-flex rounded px-1.5 py-0.5 font-mono text-[11px] font-semibold tracking-wide", TONE[state] ?? TONE.STOPPED)}>
      {state}
    </span>
  );
}
