"use client";
// One deployment's steps with their output, as they progress (fed by deploy.progress/output events).
import { clsx } from "clsx";
import type { DeploymentView } from "@/lib/protocol/deploy-messages";

const MARK: Record<string, string> = { ok: "✓", failed: "✗", skipped: "–", running: "▸", pending: "·" };

export function DeploymentSteps({ deployment, live }: { deployment: DeploymentView; live: Record<string, string> }) {
  return (
    <ol className="space-y-1" aria-label="Deployment steps">
      {deployment.steps.map((s) => {
        const output = s.status === "running" ? `${s.output}${live[s.name] ?? ""}` : s.output;
        return (
          <li key={s.name} data-step={s.name} data-status={s.status} className="rounded border border-line bg-panel">
            <div className="flex items-center gap-2 px-2 py-1 text-sm">
              <span aria-hidden className={clsx("w-4 text-center", s.status === "failed" && "text-red-600", s.status === "ok" && "text-green-600")}>
                {MARK[s.status]}
              </span>
              <span className="font-medium">{s.name}</span>
              <span className="text-xs text-muted">{s.status}</span>
            </div>
            {output.trim() && <pre className="max-h-48 overflow-auto border-t border-line px-2 py-1 text-xs whitespace-pre-wrap">{output}</pre>}
          </li>
        );
      })}
      {deployment.message && <p className="text-sm text-red-600">{deployment.message}</p>}
    </ol>
  );
}
