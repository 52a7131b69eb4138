// The CLI's commands against /api/v1. Each prints a table (or JSON with --json) and throws CliError on failure.
import { readFileSync } from "node:fs";
import os from "node:os";
import WebSocket from "ws";
import { type AppView, EVENT_LABEL, type HostView, type Page, type ProcessEventPage, type WireLogLine } from "../lib/protocol";
import type { Flags } from "./args";
import { CliError, request } from "./client";
import { type CliConfig, saveConfig } from "./config";
import { table } from "./table";

export type { Flags } from "./args";
const out = (s: string): void => void process.stdout.write(`${s}\n`);

/** Every item of a list route, page by page (the unpaged answer is capped on large installations). */
export async function listAll<T>(config: CliConfig, path: "/apps" | "/hosts", q = ""): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "500", ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) });
    const page: Page<T> = await request<Page<T>>(config, "GET", `${path}?${query}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export async function findApp(config: CliConfig, nameOrId: string | undefined): Promise<AppView> {
  if (!nameOrId) throw new CliError("Name the app, e.g. `stoker restart hello`.");
  // By name first (the server filters); an id matches no name, so then the whole list.
  const named = await listAll<AppView>(config, "/apps", nameOrId);
  const apps = named.some((a) => a.name === nameOrId) ? named : await listAll<AppView>(config, "/apps");
  const matches = apps.filter((a) => a.id === nameOrId || a.name === nameOrId);
  if (matches.length === 1) return matches[0];
  if (!matches.length) throw new CliError(`No app named "${nameOrId}". Known: ${apps.slice(0, 50).map((a) => a.name).join(", ") || "none"}${apps.length > 50 ? ", …" : ""}.`);
  throw new CliError(`"${nameOrId}" matches apps on several hosts; use the app id (${matches.map((a) => a.id).join(", ")}).`);
}

export async function login(url: string | undefined, flags: Flags): Promise<void> {
  if (!url) throw new CliError("usage: stoker login URL [--token TOKEN] [--email E --password P [--code C]]");
  let token = typeof flags.token === "string" ? flags.token : process.env.STOKER_TOKEN;
  if (!token) {
    const email = String(flags.email ?? process.env.STOKER_EMAIL ?? "");
    const password = String(flags.password ?? process.env.STOKER_PASSWORD ?? "");
    if (!email || !password) throw new CliError("Give --token, or --email and --password (or STOKER_EMAIL/STOKER_PASSWORD).");
    const res = await fetch(`${url.replace(/\/$/, "")}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
    if (!res.ok) throw new CliError(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `Login failed (HTTP ${res.status}).`);
    let cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
    const first = (await res.json().catch(() => ({}))) as { secondFactor?: string; pending?: string };
    if (first.secondFactor) {
      // The account has a second factor: the password step gave a pending token, not a session.
      const code = String(flags.code ?? process.env.STOKER_CODE ?? "");
      if (!code) throw new CliError("This account has two-factor sign-in: add --code with the code from your app (or a recovery code).");
      const second = await fetch(`${url.replace(/\/$/, "")}/api/v1/auth/login/second-factor`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code, pending: first.pending }) });
      if (!second.ok) throw new CliError(((await second.json().catch(() => ({}))) as { message?: string }).message ?? `Login failed (HTTP ${second.status}).`);
      cookie = second.headers.getSetCookie().find((c) => c.startsWith("stoker_session="))?.split(";")[0] ?? "";
    }
    const created = await fetch(`${url.replace(/\/$/, "")}/api/v1/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, "x-stoker-csrf": "1" },
      body: JSON.stringify({ name: `cli@${os.hostname()}` }),
    });
    token = ((await created.json()) as { token: string }).token;
  }
  const me = await request<{ email: string; role: string }>({ url, token }, "GET", "/auth/me");
  saveConfig({ url, token });
  out(`Logged in to ${url} as ${me.email} (${me.role}).`);
}

export async function hosts(config: CliConfig, flags: Flags): Promise<void> {
  const list = await listAll<HostView>(config, "/hosts");
  if (flags.json) return out(JSON.stringify(list, null, 2));
  out(table(["HOST", "STATUS", "OS", "AGENT", "LAST SEEN"], list.map((h) => [h.name, h.online ? "online" : "offline", h.facts.os ?? "", h.facts.agentVersion ?? "", h.lastSeenAt ?? "never"])));
}

export async function apps(config: CliConfig, flags: Flags): Promise<void> {
  const list = await listAll<AppView>(config, "/apps");
  if (flags.json) return out(JSON.stringify(list, null, 2));
  out(
    table(
      ["APP", "HOST", "REVISION", "PROCESSES", "STATES", "SOCKET"],
      list.map((a) => [a.name, a.host.name, revisionText(a), a.processes.length, [...new Set(a.processes.map((p) => p.state))].join(",") || "-", a.socket?.address ?? ""]),
    ),
  );
}

/** "5", or "5 (4 running, 5 failed)" while a saved revision is not applied. */
export function revisionText(a: Pick<AppView, "revision" | "runningRevision" | "failedRevision">): string {
  if (a.runningRevision === null || a.runningRevision === a.revision) return String(a.revision);
  return `${a.revision} (${a.runningRevision} running${a.failedRevision === a.revision ? `, ${a.revision} failed` : ""})`;
}

/** `stoker retry|revert APP`: apply the saved revision again, or save the running one as a new revision. */
export async function revise(config: CliConfig, verb: "retry" | "revert", name: string | undefined, flags: Flags): Promise<void> {
  const app = await findApp(config, name);
  const res = await request<{ revision: number; revertedTo?: number }>(config, "POST", `/apps/${app.id}/${verb}`);
  if (flags.json) return out(JSON.stringify(res, null, 2));
  out(verb === "retry" ? `${app.name}: revision ${res.revision} applied` : `${app.name}: reverted to revision ${res.revertedTo}, saved as revision ${res.revision}`);
}

export async function action(config: CliConfig, verb: "restart" | "stop" | "start" | "reload", name: string | undefined, flags: Flags): Promise<void> {
  const app = await findApp(config, name);
  const res = await request<{ processes: { pid: number; state: string }[] }>(config, "POST", `/apps/${app.id}/${verb}`);
  if (flags.json) return out(JSON.stringify(res, null, 2));
  out(`${app.name}: ${verb} done`);
  out(table(["PID", "STATE"], res.processes.map((p) => [p.pid || "-", p.state])));
}

export async function logs(config: CliConfig, name: string | undefined, flags: Flags): Promise<void> {
  const app = await findApp(config, name);
  const print = (l: { ts: string; pid: number; stream: string; text: string }) => (flags.json ? out(JSON.stringify(l)) : out(`${l.ts} ${l.pid} ${l.stream} ${l.text}`));
  if (!flags.f && !flags.follow) {
    const q = new URLSearchParams({ limit: String(flags.n ?? 100) });
    if (typeof flags.stream === "string") q.set("stream", flags.stream);
    if (typeof flags.grep === "string") q.set("q", flags.grep);
    const page = await request<{ lines: { ts: string; pid: number; stream: string; text: string }[] }>(config, "GET", `/apps/${app.id}/logs?${q}`);
    for (const l of page.lines) print(l);
    return;
  }
  // -f: the same live tail the dashboard uses, over /ws/ui with the token.
  const ws = new WebSocket(`${config.url.replace(/^http/, "ws").replace(/\/$/, "")}/ws/ui`, { headers: { authorization: `Bearer ${config.token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => ws.send(JSON.stringify({ type: "logs.follow", appId: app.id })));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as { type: string; appId?: string; lines?: WireLogLine[]; dropped?: number };
      if (msg.type !== "logs.lines" || msg.appId !== app.id) return;
      for (const l of msg.lines ?? []) print({ ...l, stream: l.stream });
      if (msg.dropped) process.stderr.write(`[${msg.dropped} lines dropped]\n`);
    });
    ws.on("unexpected-response", (_r, res) => reject(new CliError(`The control plane refused the log stream (HTTP ${res.statusCode}).`)));
    ws.on("close", () => resolve());
    ws.on("error", (e) => reject(new CliError(e.message)));
  });
}

export async function audit(config: CliConfig, flags: Flags): Promise<void> {
  const q = new URLSearchParams({ limit: String(flags.n ?? 50) });
  for (const k of ["actor", "action", "target"]) if (typeof flags[k] === "string") q.set(k, String(flags[k]));
  const res = await request<{ events: { id: number; ts: string; actor: { label: string }; action: string; target: string; result: string }[] }>(config, "GET", `/audit?${q}`);
  if (flags.json) return out(res.events.map((e) => JSON.stringify(e)).join("\n"));
  out(table(["#", "TIME", "ACTOR", "ACTION", "TARGET", "RESULT"], res.events.map((e) => [e.id, e.ts, e.actor.label, e.action, e.target, e.result])));
}

/** `stoker audit checkpoint`: prints a signed checkpoint to keep; `--check FILE` checks a kept one (exit 1 if the history changed). */
export async function auditCheckpoint(config: CliConfig, flags: Flags): Promise<void> {
  if (typeof flags.check !== "string") return out(JSON.stringify(await request(config, "GET", "/audit/checkpoint")));
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(flags.check, "utf8"));
  } catch {
    throw new CliError(`${flags.check} is not a checkpoint file (JSON from "stoker audit checkpoint").`);
  }
  const r = await request<{ ok: boolean; message: string }>(config, "POST", "/audit/checkpoint", saved);
  out(r.message);
  if (!r.ok) throw new CliError("the audit history does not match the checkpoint");
}

export async function events(config: CliConfig, name: string | undefined, flags: Flags): Promise<void> {
  const app = await findApp(config, name);
  const q = new URLSearchParams({ limit: String(flags.n ?? 50) });
  if (typeof flags.cursor === "string") q.set("cursor", flags.cursor);
  const page = await request<ProcessEventPage>(config, "GET", `/apps/${app.id}/events?${q}`);
  if (flags.json) return out(JSON.stringify(page, null, 2));
  // One row per event; an exit's last output follows it, indented.
  out(table(["TIME", "EVENT", "PID", "DETAIL"], page.events.map((e) => [e.ts, EVENT_LABEL[e.kind], e.pid || "-", e.detail.split("\n")[0]])));
  if (page.nextCursor) out(`(older: stoker events ${app.name} --cursor ${page.nextCursor})`);
}
