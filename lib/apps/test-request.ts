// Sends one request straight to an app's socket through its agent, bypassing the web server. Audited.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { type TestRequest, type TestResponse, TestResponseSchema } from "../protocol";
import { err, ok, type Result } from "../result";

export async function sendTestRequest(appId: string, request: TestRequest, audit: AuditContext): Promise<Result<TestResponse>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const result = await agentHub().call(app.hostId, { op: "app.test-request", appId, request }, 30_000);
  await db.$transaction((tx) =>
    appendAudit(tx, audit, {
      action: "app.test-request",
      target: `app:${app.name}`,
      after: { method: request.method, path: request.path },
      result: result.ok ? "success" : "failure",
    }),
  );
  if (!result.ok) return result;
  const parsed = TestResponseSchema.safeParse(result.value);
  return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent a malformed test response.");
}
