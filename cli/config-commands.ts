// Configuration as code: `stoker export` writes the apps as one file, `stoker plan -f FILE` shows what
// applying it would change, `stoker apply -f FILE` makes it so through the same API calls (and so the
// same audit rows) as the dashboard: POST /apps, PUT /apps/{id}, DELETE /apps/{id}.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { AppView, HostView } from "../lib/protocol";
import type { Flags } from "./args";
import { CliError, request } from "./client";
import { listAll } from "./commands";
import type { CliConfig } from "./config";
import { cannotRead } from "./read-error";
import { actionable, type CurrentApp, formatPlan, isSecretValue, type PlanEntry, planChanges, secretsToCompare, settleSecrets } from "./spec-diff";
import { formatProblems, MAX_SPEC_FILE_BYTES, readSpecText, writeSpecText } from "./spec-file";

const out = (s: string): void => void process.stdout.write(`${s}\n`);

function hostByName(hosts: HostView[], name: string): HostView {
  const host = hosts.find((h) => h.name === name || h.id === name);
  if (!host) throw new CliError(`No host named "${name}". Known: ${hosts.map((h) => h.name).join(", ") || "none"}.`);
  return host;
}

export async function exportApps(config: CliConfig, flags: Flags): Promise<void> {
  const format = flags.format ?? "yaml";
  if (format !== "yaml" && format !== "json") throw new CliError(`--format is yaml or json, not "${format}".`);
  const me = await request<{ role: string }>(config, "GET", "/auth/me");
  // Below admin the API masks env values; a file of masks applied back would overwrite the real values.
  if (me.role !== "admin" && me.role !== "owner") throw new CliError("Export needs an admin or owner token: below admin, env values are masked.");
  const hosts = await listAll<HostView>(config, "/hosts");
  const host = typeof flags.host === "string" ? hostByName(hosts, flags.host) : null;
  const apps = (await listAll<AppView>(config, "/apps")).filter((a) => !host || a.host.id === host.id);
  const header = [
    ` Stoker apps${host ? ` on host ${host.name}` : ""}, exported from ${config.url} at ${new Date().toISOString()}.`,
    " Each item is a spec as POST /api/v1/apps takes it. Secret env values are references, never values.",
    " stoker plan -f FILE shows what applying this file would change; stoker apply -f FILE makes it so.",
  ].join("\n");
  const text = writeSpecText(
    apps.map((a) => ({ spec: a.spec, hostName: a.host.name })),
    format,
    header,
  );
  if (typeof flags.output === "string") {
    writeFileSync(flags.output, text, { mode: 0o600 });
    process.stderr.write(`Wrote ${apps.length} app${apps.length === 1 ? "" : "s"} to ${flags.output}.\n`);
  } else process.stdout.write(text);
}

type Plan = { entries: PlanEntry[]; hostName: (id: string) => string };

async function makePlan(config: CliConfig, flags: Flags): Promise<Plan> {
  const file = flags.file;
  if (typeof file !== "string") throw new CliError("Name the file: -f stoker.yaml (as `stoker export` writes it).");
  let text: string;
  try {
    if (statSync(file).size > MAX_SPEC_FILE_BYTES) throw new CliError(`${file} is larger than ${MAX_SPEC_FILE_BYTES / 1024 / 1024} MiB.`);
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw cannotRead(file, e);
  }
  const hosts = await listAll<HostView>(config, "/hosts");
  const read = readSpecText(text, new Set(hosts.map((h) => h.id)));
  if (!read.ok) throw new CliError(formatProblems(file, read.problems));
  const only = typeof flags.host === "string" ? hostByName(hosts, flags.host) : null;
  const wanted = read.apps.filter((a) => !only || a.hostId === only.id);
  if (only && wanted.length < read.apps.length) process.stderr.write(`(${read.apps.length - wanted.length} apps on other hosts left out: --host ${only.name})\n`);
  // Removals stay within the hosts this run is about: --host, else the hosts the file names.
  const scope = new Set(only ? [only.id] : read.apps.map((a) => a.hostId));
  const current: CurrentApp[] = (await listAll<AppView>(config, "/apps")).map((a) => ({ id: a.id, hostId: a.host.id, name: a.name, spec: a.spec }));
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  const entries = planChanges(
    wanted.map((w) => ({ hostId: w.hostId, name: w.name, spec: w as Record<string, unknown> })),
    current,
    { prune: flags.prune === true, scopeHostIds: scope },
  );
  return { entries: settleSecrets(entries, await unchangedSecrets(config, entries)), hostName: (id) => names.get(id) ?? id };
}

/**
 * For each change with a secret written as a value, the names whose value is the stored one: the
 * control plane compares (POST /apps/{id}/validate checks the spec as saving it would, saving
 * nothing, and names the env values that would change). If it cannot answer, the secret stays a change.
 */
async function unchangedSecrets(config: CliConfig, entries: PlanEntry[]): Promise<Map<string, Set<string>>> {
  const same = new Map<string, Set<string>>();
  for (const e of entries) {
    const names = secretsToCompare(e);
    if (e.kind !== "change" || !names.length) continue;
    try {
      const r = await request<{ envChanged?: string[] }>(config, "POST", `/apps/${e.id}/validate`, e.spec);
      if (r.envChanged) same.set(e.id, new Set(names.filter((n) => !r.envChanged?.includes(n))));
    } catch (err) {
      process.stderr.write(`(${e.name}: cannot compare its secret values with the stored ones, listed as changes: ${err instanceof Error ? err.message : String(err)})\n`);
    }
  }
  return same;
}

const withoutSecrets = (_k: string, v: unknown) => (isSecretValue(v) ? "(secret)" : v);

export async function planFile(config: CliConfig, flags: Flags): Promise<void> {
  const plan = await makePlan(config, flags);
  if (flags.json) out(JSON.stringify({ changes: plan.entries }, withoutSecrets, 2));
  else out(formatPlan(plan.entries, plan.hostName));
  if (flags["exit-code"] && actionable(plan.entries).length) process.exitCode = 2;
}

export async function applyFile(config: CliConfig, flags: Flags): Promise<void> {
  const plan = await makePlan(config, flags);
  out(formatPlan(plan.entries, plan.hostName));
  const todo = actionable(plan.entries);
  // Creations and changes first, removals last: a run that stops on a refused step has deleted nothing yet.
  const order = [...todo.filter((e) => e.kind !== "remove"), ...todo.filter((e) => e.kind === "remove")];
  let done = 0;
  for (const e of order) {
    const where = `${e.name} (host ${plan.hostName(e.hostId)})`;
    try {
      if (e.kind === "create") {
        await request<{ id: string }>(config, "POST", "/apps", e.spec);
        out(`✓ created ${where}`);
      } else if (e.kind === "change") {
        const r = await request<{ revision: number }>(config, "PUT", `/apps/${e.id}`, e.spec);
        out(`✓ changed ${where}: revision ${r.revision}`);
      } else {
        await request(config, "DELETE", `/apps/${e.id}`);
        out(`✓ removed ${where}`);
      }
      done++;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new CliError(`${e.kind} ${where} failed: ${why}\n${done} of ${order.length} change${order.length === 1 ? "" : "s"} applied before it; the rest were not.`);
    }
  }
  if (order.length) out(`Applied ${done} change${done === 1 ? "" : "s"}.`);
}
