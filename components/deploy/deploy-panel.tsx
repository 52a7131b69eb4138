"use client";
// The Deploy tab: pick a ref (branches and tags of the repository), see the commits it brings,
// deploy and follow the steps live, browse the history, and roll back to a kept release.
import { useCallback, useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { api } from "@/components/api-client";
import { useLiveEvents } from "@/components/live/use-live";
import { formatBytes } from "@/components/format";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ARCHIVE_MAX_BYTES, type DeploymentView, type ReleaseInfo } from "@/lib/protocol/deploy-messages";
import type { CommitSummary, GitRef } from "@/lib/protocol/deploy-spec";
import { DeploymentSteps } from "./deployment-steps";
import { LocalTime } from "../ui/local-time";

type Props = { appId: string; canDeploy: boolean; defaultRef: string | null };

export function DeployPanel({ appId, canDeploy, defaultRef }: Props) {
  const [refs, setRefs] = useState<GitRef[]>([]);
  const [ref, setRef] = useState(defaultRef ?? "");
  const [commits, setCommits] = useState<CommitSummary[] | null>(null);
  const [history, setHistory] = useState<DeploymentView[]>([]);
  const [releases, setReleases] = useState<ReleaseInfo[]>([]);
  const [current, setCurrent] = useState<DeploymentView | null>(null);
  const [liveOutput, setLiveOutput] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const started = useRef<string | null>(null); // toasts only for what this page started

  const reload = useCallback(async () => {
    const [h, r] = await Promise.all([api<DeploymentView[]>(`/apps/${appId}/deployments`), api<ReleaseInfo[]>(`/apps/${appId}/deploy/releases`)]);
    if (h.ok) setHistory(h.value);
    if (r.ok) setReleases(r.value);
  }, [appId]);

  useEffect(() => {
    void reload();
    if (defaultRef === null) return;
    void api<GitRef[]>(`/apps/${appId}/deploy/refs`).then((r) => (r.ok ? setRefs(r.value) : toast.error("Could not list the repository's refs", { description: r.error.message })));
  }, [appId, defaultRef, reload]);

  useEffect(() => {
    if (!ref || defaultRef === null) return setCommits(null);
    let stale = false;
    void api<CommitSummary[]>(`/apps/${appId}/deploy/commits?to=${encodeURIComponent(ref)}`).then((r) => {
      if (!stale) setCommits(r.ok ? r.value : null);
    });
    return () => {
      stale = true;
    };
  }, [appId, ref, defaultRef]);

  useLiveEvents((e) => {
    if (e.type === "deploy.progress" && e.appId === appId) {
      setCurrent((c) => (c === null || c.id === e.deployment.id ? e.deployment : c));
      if (e.deployment.status !== "running") {
        if (started.current === e.deployment.id) {
          started.current = null;
          const d = e.deployment;
          if (d.status === "succeeded") toast.success(`${d.kind === "rollback" ? "Rolled back" : "Deployed"}: ${d.release} is live`);
          else toast.error(`Deployment ${d.status}`, { description: d.message });
        }
        setLiveOutput({});
        void reload();
      }
    } else if (e.type === "deploy.output" && e.appId === appId) {
      setLiveOutput((o) => ({ ...o, [e.step]: `${o[e.step] ?? ""}${e.chunk}`.slice(-32_768) }));
    }
  });

  const start = async (path: string, body: unknown, label: string) => {
    setBusy(true);
    const r = await api<DeploymentView>(path, { method: "POST", body });
    setBusy(false);
    if (!r.ok) return toast.error(`${label} refused`, { description: r.error.message });
    setLiveOutput({});
    started.current = r.value.id;
    setCurrent(r.value);
  };

  const running = current?.status === "running";
  return (
    <div className="space-y-4">
      {canDeploy && defaultRef === null && <ArchiveUpload busy={busy || running} onDeploy={(form) => void start(`/apps/${appId}/deployments`, form, "Deployment")} />}
      {canDeploy && defaultRef !== null && (
        <section className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3">
          <label className="text-sm">
            <span className="block text-xs text-muted">Branch or tag</span>
            <select aria-label="Ref" value={ref} onChange={(e) => setRef(e.target.value)} className="h-8 rounded-md border border-line bg-panel px-2 text-sm">
              {ref && !refs.some((r) => r.name === ref) && <option value={ref}>{ref}</option>}
              {refs.map((r) => (
                <option key={`${r.kind}:${r.name}`} value={r.name}>
                  {r.kind === "tag" ? "tag " : ""}
                  {r.name} ({r.commit.slice(0, 7)})
                </option>
              ))}
            </select>
          </label>
          <Button variant="primary" busy={busy || running} onClick={() => void start(`/apps/${appId}/deployments`, { ref }, "Deployment")}>
            Deploy
          </Button>
        </section>
      )}
      {commits && (
        <section aria-label="Commits to deploy">
          <h3 className="mb-1 text-sm font-semibold">Changes from the live release to {ref}</h3>
          {commits.length === 0 ? (
            <p className="text-sm text-muted">No new commits.</p>
          ) : (
            <ul className="space-y-0.5 text-sm">
              {commits.map((c) => (
                <li key={c.commit}>
                  <code className="text-xs text-muted">{c.commit.slice(0, 7)}</code> {c.message} <span className="text-xs text-muted">— {c.author}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {current && (
        <section aria-label="Deployment progress">
          <h3 className="mb-1 text-sm font-semibold">
            {current.kind === "rollback" ? "Rollback" : "Deployment"} of {current.ref}: {current.status}
          </h3>
          <DeploymentSteps deployment={current} live={liveOutput} />
        </section>
      )}
      <section aria-label="Releases">
        <h3 className="mb-1 text-sm font-semibold">Kept releases</h3>
        {releases.length === 0 && <p className="text-sm text-muted">No release yet: the first deployment creates one.</p>}
        <ul className="space-y-1 text-sm">
          {releases.map((r) => (
            <li key={r.name} className="flex items-center gap-2">
              <code className="text-xs">{r.name}</code>
              {r.current ? (
                <span className="text-xs text-green-700">live</span>
              ) : (
                canDeploy && (
                  <ConfirmDialog
                    trigger={<Button size="sm" disabled={running}>Rollback</Button>}
                    title={`Roll back to ${r.name}?`}
                    description="Its processes start beside the live ones and take over once healthy; nothing is dropped."
                    confirmLabel="Roll back"
                    onConfirm={() => void start(`/apps/${appId}/rollback`, { release: r.name }, "Rollback")}
                  />
                )
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Deployment history">
        <h3 className="mb-1 text-sm font-semibold">History</h3>
        {history.length === 0 && <p className="text-sm text-muted">No deployments yet.</p>}
        <table className="w-full text-sm">
          <tbody>
            {history.map((d) => (
              <tr key={d.id} className="border-t border-line" data-status={d.status}>
                <td className="py-1 text-xs text-muted"><LocalTime value={d.createdAt} /></td>
                <td>{d.ref}</td>
                <td>
                  {d.commit && <code className="text-xs">{d.commit.slice(0, 7)}</code>} {d.commitMessage} {d.commitAuthor && <span className="text-xs text-muted">({d.commitAuthor})</span>}
                </td>
                <td>{d.actor}</td>
                <td>{d.durationMs !== null ? `${(d.durationMs / 1000).toFixed(1)} s` : ""}</td>
                <td>
                  <button type="button" className="underline" onClick={() => setCurrent(d)}>
                    {d.status}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

/** For apps deployed from uploaded archives: pick a .tar.gz (checked for size here too) and deploy it. */
function ArchiveUpload({ busy, onDeploy }: { busy: boolean; onDeploy: (form: FormData) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const tooBig = file !== null && file.size > ARCHIVE_MAX_BYTES;
  return (
    <section aria-label="Upload a release" className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel p-3">
      <label className="text-sm">
        <span className="block text-xs text-muted">Release archive (.tar.gz, up to {ARCHIVE_MAX_BYTES >> 20} MiB)</span>
        <input
          type="file"
          aria-label="Release archive"
          accept=".tar.gz,.tgz,application/gzip"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          className="text-sm file:mr-2 file:h-8 file:rounded-md file:border file:border-line file:bg-panel file:px-2"
        />
      </label>
      {file && (
        <span className={`pb-2 text-xs ${tooBig ? "text-red-600" : "text-muted"}`} role={tooBig ? "alert" : undefined}>
          {tooBig ? `${formatBytes(file.size)}: larger than ${ARCHIVE_MAX_BYTES >> 20} MiB.` : formatBytes(file.size)}
        </span>
      )}
      <Button
        variant="primary"
        busy={busy}
        disabled={!file || tooBig}
        onClick={() => {
          if (!file) return;
          const form = new FormData();
          form.append("archive", file);
          onDeploy(form);
        }}
      >
        Upload and deploy
      </Button>
    </section>
  );
}
