// `stoker deploy APP [--ref REF | --archive FILE] [--wait]`: starts a deployment and, with --wait,
// follows it step by step (printing each step's output) and exits 0 only if it succeeded.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DeploymentView } from "../lib/protocol";
import { CliError, request } from "./client";
import { type Flags, findApp } from "./commands";
import type { CliConfig } from "./config";
import { cannotRead } from "./read-error";

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const MARK = { ok: "✓", failed: "✗", skipped: "–", running: "▸", pending: " " } as const;

async function upload(config: CliConfig, appId: string, file: string): Promise<DeploymentView> {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw cannotRead(file, e);
  }
  const form = new FormData();
  form.set("archive", new Blob([new Uint8Array(data)]), path.basename(file));
  const res = await fetch(`${config.url.replace(/\/$/, "")}/api/v1/apps/${appId}/deployments`, { method: "POST", headers: { authorization: `Bearer ${config.token}` }, body: form }).catch(() => {
    throw new CliError(`Cannot reach ${config.url}. Is the control plane running?`);
  });
  const json = (await res.json().catch(() => ({}))) as DeploymentView & { message?: string };
  if (!res.ok) throw new CliError(json.message ?? `HTTP ${res.status}`);
  return json;
}

export async function deploy(config: CliConfig, name: string | undefined, flags: Flags): Promise<void> {
  const app = await findApp(config, name);
  if (typeof flags.ref === "string" && typeof flags.archive === "string") throw new CliError("Give --ref or --archive, not both.");
  const started =
    typeof flags.archive === "string"
      ? await upload(config, app.id, flags.archive)
      : await request<DeploymentView>(config, "POST", `/apps/${app.id}/deployments`, typeof flags.ref === "string" ? { ref: flags.ref } : {});
  if (flags.json && !flags.wait) return out(JSON.stringify(started, null, 2));
  out(`Deployment ${started.id} of ${app.name} (${started.ref}) started.`);
  if (!flags.wait) return;

  const shown = new Map<string, string>();
  let d = started;
  for (;;) {
    for (const s of d.steps) {
      if (shown.get(s.name) === s.status) continue;
      if (s.status === "running") out(`${MARK.running} ${s.name}…`);
      else if (s.status !== "pending") {
        out(`${MARK[s.status]} ${s.name}`);
        if (s.output.trim()) out(s.output.replace(/\n+$/, "").replace(/^/gm, "    "));
      }
      shown.set(s.name, s.status);
    }
    if (d.status !== "running") break;
    await new Promise((r) => setTimeout(r, 500));
    d = await request<DeploymentView>(config, "GET", `/deployments/${started.id}`);
  }
  if (flags.json) out(JSON.stringify(d, null, 2));
  if (d.status !== "succeeded") throw new CliError(`Deployment ${d.status}${d.message ? `: ${d.message}` : "."} The live release keeps serving.`);
  out(`Deployed ${d.commit ? d.commit.slice(0, 7) : d.ref} as release ${d.release} in ${((d.durationMs ?? 0) / 1000).toFixed(1)} s.`);
}
