// Uptime checks: an HTTP request to an app's public URL (through its web server) every intervalSec,
// made by the control plane, so the check sees what users see from outside the host (a host whose
// agent is down, or a web server that stopped, fails it). Results are kept; a failure raises
// app.uptime.failed and a success clears it.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import type { UptimeCheckInput, UptimeCheckPatch } from "../protocol";
import { err, ok, type Result } from "../result";
import { alertSignal } from "./alert-events";

const LAST = Symbol.for("stoker.alerts.uptime-last");
const PARALLEL = 8;
type G = typeof globalThis & { [LAST]?: { last: Map<string, number>; running: Set<string> } };

function state() {
  const g = globalThis as G;
  g[LAST] ??= { last: new Map(), running: new Set() };
  return g[LAST];
}

type CheckRow = { id: string; appId: string; url: string; intervalSec: number; timeoutMs: number; expect: number; enabled: boolean; createdAt: Date };
export type UptimeCheckView = Omit<CheckRow, "createdAt"> & { createdAt: string; last: { at: string; ok: boolean; status: number; ms: number; error: string } | null; uptimePct24h: number | null };

async function view(c: CheckRow): Promise<UptimeCheckView> {
  const last = await db.uptimeResult.findFirst({ where: { checkId: c.id }, orderBy: { id: "desc" } });
  const since = new Date(Date.now() - 86400_000);
  const [total, good] = await Promise.all([db.uptimeResult.count({ where: { checkId: c.id, at: { gte: since } } }), db.uptimeResult.count({ where: { checkId: c.id, at: { gte: since }, ok: true } })]);
  return { ...c, createdAt: c.createdAt.toISOString(), last: last ? { at: last.at.toISOString(), ok: last.ok, status: last.status, ms: last.ms, error: last.error } : null, uptimePct24h: total ? (good / total) * 100 : null };
}

export async function listUptimeChecks(): Promise<UptimeCheckView[]> {
  return Promise.all((await db.uptimeCheck.findMany({ orderBy: { createdAt: "asc" } })).map(view));
}

export async function uptimeHistory(id: string, limit: number): Promise<Result<{ at: string; ok: boolean; status: number; ms: number; error: string }[]>> {
  if (!(await db.uptimeCheck.findUnique({ where: { id }, select: { id: true } }))) return err("NOT_FOUND", "That check does not exist.");
  const rows = await db.uptimeResult.findMany({ where: { checkId: id }, orderBy: { id: "desc" }, take: limit });
  return ok(rows.map((r) => ({ at: r.at.toISOString(), ok: r.ok, status: r.status, ms: r.ms, error: r.error })));
}

/**
 * Creates the app's check. One per app (issue 19: "an HTTP check per app"): a second is refused with
 * 409 naming the one there and how to change it, never a silent replace of the first.
 */
export async function createUptimeCheck(input: UptimeCheckInput, audit: AuditContext): Promise<Result<UptimeCheckView>> {
  const app = await db.app.findUnique({ where: { id: input.appId }, select: { id: true, name: true } });
  if (!app) return err("BAD_REQUEST", "That app does not exist.", { fields: [{ path: "appId", message: "No such app." }] });
  const row = await db.$transaction(async (tx) => {
    const existing = await tx.uptimeCheck.findUnique({ where: { appId: input.appId } });
    if (existing) return err("CONFLICT", taken(app.name, existing), { detail: { existingId: existing.id } });
    const r = await tx.uptimeCheck.create({ data: input });
    await appendAudit(tx, audit, { action: "alerts.uptime.created", target: `app:${input.appId}`, after: input });
    return ok(r);
  }).catch((e: unknown) => {
    // Two creates at once: the unique appId refuses the second; say it as the check above would.
    if ((e as { code?: string }).code !== "P2002") throw e;
    return null;
  });
  if (row === null) {
    const existing = await db.uptimeCheck.findUnique({ where: { appId: input.appId } });
    return err("CONFLICT", existing ? taken(app.name, existing) : `${app.name} already has an uptime check.`, existing ? { detail: { existingId: existing.id } } : undefined);
  }
  if (!row.ok) return row;
  return ok(await view(row.value));
}

const taken = (app: string, c: CheckRow) =>
  `${app} already has an uptime check (GET ${c.url} every ${c.intervalSec} s); an app has one. Change it with Edit on the Uptime checks page or PATCH /api/v1/notifications/uptime-checks/${c.id}, or remove it first.`;

/** Changes a check's settings; what the patch leaves out is kept. */
export async function updateUptimeCheck(id: string, patch: UptimeCheckPatch, audit: AuditContext): Promise<Result<UptimeCheckView>> {
  const row = await db.$transaction(async (tx) => {
    const before = await tx.uptimeCheck.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That check does not exist.");
    const r = await tx.uptimeCheck.update({ where: { id }, data: patch });
    await appendAudit(tx, audit, { action: "alerts.uptime.updated", target: `app:${before.appId}`, before, after: patch });
    return ok(r);
  });
  if (!row.ok) return row;
  state().last.delete(id); // checked at the next tick with its new settings
  // A check turned off stops speaking for the app: its failure alert clears rather than hangs on.
  if (patch.enabled === false) alertSignal({ op: "clear", event: "app.uptime.failed", appId: row.value.appId, summary: "the uptime check was turned off" });
  return ok(await view(row.value));
}

export async function deleteUptimeCheck(id: string, audit: AuditContext): Promise<Result<{ deleted: true }>> {
  return db.$transaction(async (tx) => {
    const before = await tx.uptimeCheck.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That check does not exist.");
    await tx.uptimeCheck.delete({ where: { id } });
    await appendAudit(tx, audit, { action: "alerts.uptime.deleted", target: `app:${before.appId}`, before });
    alertSignal({ op: "clear", event: "app.uptime.failed", appId: before.appId });
    return ok({ deleted: true as const });
  });
}

async function probe(c: CheckRow): Promise<{ ok: boolean; status: number; ms: number; error: string }> {
  const t0 = performance.now();
  try {
    const res = await fetch(c.url, { redirect: "manual", signal: AbortSignal.timeout(c.timeoutMs), headers: { "user-agent": "Stoker-Uptime/1" } });
    await res.body?.cancel().catch(() => {});
    const ms = Math.round(performance.now() - t0);
    const good = c.expect ? res.status === c.expect : res.status >= 200 && res.status < 400;
    return { ok: good, status: res.status, ms, error: good ? "" : `HTTP ${res.status}${c.expect ? ` (expected ${c.expect})` : ""}` };
  } catch (e) {
    const ms = Math.round(performance.now() - t0);
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { ok: false, status: 0, ms, error: (e as Error).name === "TimeoutError" ? `no answer within ${c.timeoutMs} ms` : `connection failed${cause ? ` (${cause})` : ""}` };
  }
}

/** Runs every enabled check whose interval has passed, a few at a time, never one twice at once. */
export async function runDueUptimeChecks(now: number): Promise<void> {
  const s = state();
  const due = (await db.uptimeCheck.findMany({ where: { enabled: true } })).filter((c) => !s.running.has(c.id) && now - (s.last.get(c.id) ?? 0) >= c.intervalSec * 1000);
  for (let i = 0; i < due.length; i += PARALLEL) {
    await Promise.all(
      due.slice(i, i + PARALLEL).map(async (c) => {
        s.running.add(c.id);
        s.last.set(c.id, now);
        try {
          const r = await probe(c);
          await db.uptimeResult.create({ data: { checkId: c.id, ok: r.ok, status: r.status, ms: r.ms, error: r.error } }).catch(() => {}); // a check deleted meanwhile
          alertSignal(r.ok ? { op: "clear", event: "app.uptime.failed", appId: c.appId, summary: `GET ${c.url}: HTTP ${r.status} in ${r.ms} ms` } : { op: "fire", event: "app.uptime.failed", appId: c.appId, summary: `GET ${c.url}: ${r.error}` });
        } finally {
          s.running.delete(c.id);
        }
      }),
    );
  }
}
