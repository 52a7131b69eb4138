// "Stop all apps on this host": every app there that is meant to run is stopped through the same
// action as its own Stop button (each with its own app.stop audit row), and the request itself is
// one host.stop-apps audit row naming what stopped and what did not.
import "server-only";
import { appAction } from "../apps/app-action";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";

export type StopHostAppsResult = { stopped: { id: string; name: string }[]; failed: { id: string; name: string; message: string }[] };

export async function stopHostApps(hostId: string, audit: AuditContext): Promise<Result<StopHostAppsResult>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  // Apps already stopped are left alone: stopping them again would only add audit rows.
  const apps = await db.app.findMany({ where: { hostId, desired: { not: "stopped" } }, orderBy: { name: "asc" } });
  const results = await Promise.all(apps.map(async (a) => ({ app: a, result: await appAction(a.id, "stop", audit) })));
  const value: StopHostAppsResult = {
    stopped: results.filter((r) => r.result.ok).map((r) => ({ id: r.app.id, name: r.app.name })),
    failed: results.flatMap((r) => (r.result.ok ? [] : [{ id: r.app.id, name: r.app.name, message: r.result.message }])),
  };
  await db.$transaction((tx) =>
    appendAudit(tx, audit, {
      action: "host.stop-apps",
      target: `host:${host.name}`,
      after: { stopped: value.stopped.map((a) => a.name), failed: value.failed.map((a) => a.name) },
      result: value.failed.length ? "failure" : "success",
    }),
  );
  if (value.failed.length) {
    return err("FAILED", `${value.failed.length} of ${apps.length} apps did not stop: ${value.failed.map((f) => `${f.name} (${f.message})`).join("; ")}`, { detail: value });
  }
  return ok(value);
}
