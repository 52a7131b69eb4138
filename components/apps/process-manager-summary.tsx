// The app's process manager at a glance: how many processes run of its min..max (a dynamic count),
// what holds the count back, and the resource limits the agent applied (or could not apply here).
import type { ProcessManagerStatus } from "@/lib/protocol/process-manager-spec";

export function ProcessManagerSummary({ pm }: { pm: ProcessManagerStatus | null }) {
  if (!pm || (!pm.dynamic && !pm.limits)) return null;
  const l = pm.limits;
  const limits = l ? [l.memoryMb !== null && `memory ${l.memoryMb} MB`, l.cpuPercent !== null && `CPU ${l.cpuPercent}%`, l.pids !== null && `${l.pids} pids`].filter(Boolean) : [];
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-line px-3 py-2 text-xs" data-testid="process-manager">
      {pm.dynamic && (
        <span>
          Processes <strong data-testid="pm-current">{pm.current}</strong> (min {pm.min}, max {pm.max}){pm.min === 0 && " · on demand"}
        </span>
      )}
      {pm.held && <span className="text-amber-700 dark:text-amber-400">held: {pm.held}</span>}
      {limits.length > 0 && <span>Limits: {limits.join(", ")}</span>}
      {l?.unavailable.map((u) => (
        <span key={u} role="alert" className="text-red-700 dark:text-red-400">
          {u}
        </span>
      ))}
    </div>
  );
}
