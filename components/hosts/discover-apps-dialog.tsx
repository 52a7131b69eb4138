"use client";
// "Discover apps" on a host: asks its agent for the FastCGI apps already running or configured
// there (POST /hosts/{id}/discovery) and imports one (POST /apps with adopt.pids, behind a confirm):
// the running processes are taken over without a restart.
import { Dialog } from "radix-ui";
import { Search } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { DiscoveryCandidate } from "@/lib/protocol/discovery";
import { api, type ApiError } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog, DialogActions } from "../ui/confirm-dialog";

type Props = { hostId: string; hostName: string; canWrite: boolean };
type State = { kind: "idle" | "loading" } | { kind: "error"; message: string } | { kind: "done"; candidates: DiscoveryCandidate[] };

const text = (v: unknown) => (typeof v === "string" ? v : "");

function socketOf(spec: Record<string, unknown>): string {
  const s = (spec.socket ?? {}) as Record<string, unknown>;
  return text(s.path) ? `unix:${text(s.path)}` : text(s.tcp) ? `tcp:${text(s.tcp)}` : "(no socket)";
}

function Candidate({ c, hostName, onImported }: { c: DiscoveryCandidate; hostName: string; onImported: (id: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const name = text(c.spec.name);
  const command = Array.isArray(c.spec.command) ? c.spec.command.map(String).join(" ") : "";
  const importIt = async () => {
    setBusy(true);
    const r = await api<{ id: string }>("/apps", { method: "POST", body: c.pids.length ? { ...c.spec, adopt: { pids: c.pids } } : c.spec });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    toast.success(`Imported ${name}`, { description: c.pids.length ? `Process${c.pids.length > 1 ? "es" : ""} ${c.pids.join(", ")} kept running, now supervised by Stoker.` : undefined });
    onImported(r.value.id);
  };
  return (
    <li className="rounded-md border border-line p-3" data-testid="discovery-candidate">
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-semibold">{name}</p>
          <p className="truncate font-mono text-xs" title={command}>
            {command || "(no command)"}
          </p>
          <p className="text-xs text-muted">
            {socketOf(c.spec)} · {c.pids.length ? `running: pid ${c.pids.join(", ")}` : "not running"}
          </p>
        </div>
        <ConfirmDialog
          title={`Import ${name}?`}
          description={
            c.pids.length
              ? `Stoker takes over process${c.pids.length > 1 ? "es" : ""} ${c.pids.join(", ")} on ${hostName} without restarting ${c.pids.length > 1 ? "them" : "it"}, and holds ${socketOf(c.spec)} from now on. The next restart is Stoker's zero-failure one. Its web-server config stays as it is until you apply Stoker's.`
              : `Stoker creates ${name} on ${hostName} and starts its processes on ${socketOf(c.spec)}.`
          }
          confirmLabel="Import"
          onConfirm={() => void importIt()}
          trigger={
            <Button size="sm" variant="primary" busy={busy} aria-label={`Import ${name}`}>
              Import
            </Button>
          }
        />
      </div>
      <p className="mt-2 break-words text-xs text-muted" data-testid="discovery-source">
        {c.source}
      </p>
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-accent">Proposed spec</summary>
        <pre className="mt-1 max-h-64 overflow-auto rounded bg-surface p-2 font-mono">{JSON.stringify(c.spec, null, 2)}</pre>
      </details>
      {error && (
        <div role="alert" className="mt-2 rounded border border-red-600/40 bg-red-600/10 p-2 text-xs" data-testid="import-error">
          <p>{error.message}</p>
          {error.fields?.map((f) => (
            <p key={f.path}>
              <code>{f.path}</code>: {f.message}
            </p>
          ))}
          <p className="mt-1 text-muted">Edit the spec under Apps → New app if a field needs changing.</p>
        </div>
      )}
    </li>
  );
}

export function DiscoverAppsDialog({ hostId, hostName, canWrite }: Props) {
  const router = useRouter();
  const [state, setState] = useState<State>({ kind: "idle" });
  const run = async () => {
    setState({ kind: "loading" });
    const r = await api<{ candidates: DiscoveryCandidate[] }>(`/hosts/${hostId}/discovery`, { method: "POST" });
    setState(r.ok ? { kind: "done", candidates: r.value.candidates } : { kind: "error", message: r.error.message });
  };
  return (
    <Dialog.Root onOpenChange={(open) => open && void run()}>
      <Dialog.Trigger asChild>
        <Button size="sm" disabled={!canWrite} title={canWrite ? undefined : "Needs the admin role"} aria-label={`Discover apps on ${hostName}`}>
          <Search className="size-3.5" aria-hidden /> Discover
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <Dialog.Content className="fixed left-1/2 top-[10%] z-50 max-h-[80vh] w-[min(46rem,94vw)] -translate-x-1/2 overflow-y-auto rounded-lg border border-line bg-panel p-5 shadow-xl">
          <Dialog.Title className="text-base font-semibold">FastCGI apps on {hostName}</Dialog.Title>
          <Dialog.Description className="mt-1 text-muted">
            Found in the web servers&apos; configs, supervisord and systemd, and among the running processes (a socket as fd 0, spawn-fcgi style). Apps Stoker already runs are not listed. Nothing found is run.
          </Dialog.Description>
          <div className="mt-4" data-testid="discovery-result">
            {state.kind === "loading" && <p className="text-muted">Looking…</p>}
            {state.kind === "error" && (
              <div role="alert" className="space-y-2 text-sm">
                <p className="text-red-600">Discovery failed: {state.message}</p>
                <Button size="sm" onClick={() => void run()}>
                  Try again
                </Button>
              </div>
            )}
            {state.kind === "done" && state.candidates.length === 0 && (
              <p className="rounded-md border border-dashed border-line p-4 text-center text-muted" data-testid="discovery-empty">
                No FastCGI app found that Stoker does not run yet.
              </p>
            )}
            {state.kind === "done" && state.candidates.length > 0 && (
              <ul className="space-y-3">
                {state.candidates.map((c) => (
                  <Candidate
                    key={`${text(c.spec.name)}-${c.pids.join(",")}`}
                    c={c}
                    hostName={hostName}
                    onImported={(id) => {
                      router.push(`/apps/${id}`);
                    }}
                  />
                ))}
              </ul>
            )}
          </div>
          <DialogActions kind="dialog" cancelLabel="Close">
            <Button onClick={() => void run()} disabled={state.kind === "loading"}>
              Look again
            </Button>
          </DialogActions>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
