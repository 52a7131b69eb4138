// Deploy-on-push: a per-app secret (shown once to the admin who makes it) and the webhook that
// checks GitHub's X-Hub-Signature-256 (HMAC-SHA256 over the raw body, compared in constant time).
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { newSecret } from "../auth/secrets";
import { specOf } from "../apps/app-record";
import { db } from "../db";
import type { DeploymentView } from "../protocol";
import { err, ok, type Result } from "../result";
import { startDeployment } from "./start-deployment";

export async function rotateDeploySecret(appId: string, audit: AuditContext): Promise<Result<{ secret: string; url: string }>> {
  const secret = newSecret("whsec");
  const result = await db.$transaction(async (tx) => {
    const app = await tx.app.findUnique({ where: { id: appId }, select: { name: true, deploySecret: true } });
    if (!app) return err("NOT_FOUND", "That app does not exist.");
    await tx.app.update({ where: { id: appId }, data: { deploySecret: secret } });
    await appendAudit(tx, audit, { action: app.deploySecret ? "deploy.hook.rotated" : "deploy.hook.created", target: `app:${app.name}` });
    return ok(undefined);
  });
  return result.ok ? ok({ secret, url: `/api/v1/hooks/deploy/${appId}` }) : result;
}

export function signatureOk(secret: string, body: Buffer, header: string | null): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice(7), "hex");
  const wanted = createHmac("sha256", secret).update(body).digest();
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The branch a push event names (`refs/heads/x`), if the body is a push event at all. */
function pushedBranch(body: Buffer): string | null {
  try {
    const json: unknown = JSON.parse(body.toString("utf8"));
    if (json && typeof json === "object" && "ref" in json && typeof json.ref === "string") return json.ref.replace(/^refs\/heads\//, "");
  } catch {
    // not JSON (a ping with another content type): deploy the configured ref
  }
  return null;
}

export type HookOutcome = { deployed: true; deployment: DeploymentView } | { deployed: false; reason: string };

export async function deployFromHook(appId: string, body: Buffer, headers: { signature: string | null; event: string | null }, ip: string): Promise<Result<HookOutcome>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app?.deploySecret) return err("NOT_FOUND", "No deploy webhook is set up for that app.");
  if (!signatureOk(app.deploySecret, body, headers.signature)) return err("UNAUTHORIZED", "The X-Hub-Signature-256 signature is missing or does not match.");
  const source = specOf(app).deploy?.source;
  if (!source || !("git" in source)) return err("BAD_REQUEST", "This app does not deploy from a git repository.");
  if (headers.event && headers.event !== "push") return ok({ deployed: false, reason: `A ${headers.event} event deploys nothing.` });
  const branch = pushedBranch(body);
  if (branch !== null && branch !== source.ref) return ok({ deployed: false, reason: `Push to ${branch} ignored; this app deploys ${source.ref}.` });
  const started = await startDeployment(appId, { kind: "deploy", ref: source.ref }, { actor: { type: "system" }, ip }, "deploy webhook");
  return started.ok ? ok({ deployed: true, deployment: started.value }) : started;
}
