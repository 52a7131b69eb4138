// A notification channel's URL is a credential: a Slack incoming-webhook URL (or a webhook with a token
// in its path or query) lets whoever holds it post into the team's channel as the alerting system.
// Only those who may change channels (alerts.write) read it whole; a viewer or operator sees the
// origin only, in the API (list and one channel) and in the audit rows every role can export.
import { afterAll, beforeAll, describe, it } from "vitest";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("channel URLs are credentials");
const SLACK = "https://hooks.slack.com/services/T0000/B0000/sl4ckS3cretPath";
const HOOK = "https://alerts.example.com/in/h00kS3cretPath?token=qu3ryS3cret";
const SECRETS = ["sl4ckS3cretPath", "h00kS3cretPath", "qu3ryS3cret"];
let cp: ControlPlane;
const cookies: Record<string, string> = {};

async function call(role: string, method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${cp.url}/api/v1/${route}`, {
    method,
    headers: { cookie: `stoker_session=${cookies[role]}`, "x-stoker-csrf": "1", ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { createSession } = await import("@/lib/auth/sessions");
  for (const role of ["owner", "admin", "operator", "viewer"]) {
    const user = await db.user.create({ data: { email: `${role}@example.com`, role, passwordHash: null } });
    cookies[role] = (await createSession(user.id, "", "test")).token;
  }
});

afterAll(async () => {
  tally.report();
  await cp?.close();
});

describe("notification channel URLs", () => {
  it("are shown whole only to those who may change channels, and never in audit rows", async () => {
    const created: string[] = [];
    for (const [kind, url] of [["slack", SLACK], ["webhook", HOOK]] as const) {
      const res = await call("admin", "POST", "notifications/channels", { name: kind, kind, url });
      if (res.status !== 201) throw new Error(`create ${kind}: ${res.status} ${res.text}`);
      created.push((JSON.parse(res.text) as { id: string }).id);
    }
    await call("admin", "PATCH", `notifications/channels/${created[0]}`, { url: `${SLACK}2` });
    const leaks = (text: string) => SECRETS.filter((s) => text.includes(s));
    for (const role of ["viewer", "operator"]) {
      for (const route of ["notifications/channels", ...created.map((id) => `notifications/channels/${id}`), "audit?limit=100", "audit/export?format=jsonl", "audit/export?format=csv"]) {
        await tally.attack(`${role} GET ${route}`, async () => {
          const res = await call(role, "GET", route);
          if (res.status >= 400 && res.status !== 403) return `answered ${res.status}`;
          const found = leaks(res.text);
          return found.length === 0 || `shows ${found.join(", ")}`;
        });
      }
    }
    // The admin still reads what it set (it edits it); the audit rows carry no URL path for anyone.
    const adminView = await call("admin", "GET", "notifications/channels");
    await tally.attack("admin GET notifications/channels shows the full URL", () => adminView.text.includes(`${SLACK}2`) || "admin cannot read the URL it set");
    const ownerAudit = await call("owner", "GET", "audit/export?format=jsonl");
    await tally.attack("owner audit export", () => leaks(ownerAudit.text).length === 0 || `shows ${leaks(ownerAudit.text).join(", ")}`);
    tally.expectAllRefused(12);
  });
});
