// Security: a host's web-server setting (PUT /api/v1/hosts/{id}/web-servers) holds commands the
// agent runs as its own user (validateArgv, reloadArgv, startArgv: root on most hosts) and paths it
// writes and signals as root (dir, pidFile, siteLogDir). An admin who could set them would be root
// on the host without the owner's say (issue 17's last line), so only an owner may change it.
// Found by replaying the issue against a real root agent: an admin's validateArgv
// ["/bin/sh", "-c", "id > …"] ran as uid 0 at the next web-config apply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 1: a host's web-server commands are the owner's decision");
let cp: ControlPlane;
let hostId = "";
const cookies: Record<string, string> = {};

beforeAll(async () => {
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { createSession } = await import("@/lib/auth/sessions");
  const { hashSecret } = await import("@/lib/auth/secrets");
  hostId = (await db.host.create({ data: { name: "h1", keyHash: hashSecret("stkh_ws_one") } })).id;
  for (const role of ["viewer", "operator", "admin", "owner"] as const) {
    const user = await db.user.create({ data: { email: `${role}-ws@example.com`, role, passwordHash: null } });
    cookies[role] = `stoker_session=${(await createSession(user.id, "", "test")).token}`;
  }
}, 60_000);

afterAll(async () => {
  tally.report();
  await cp?.close();
});

async function put(role: string, body: unknown) {
  const res = await fetch(`${cp.url}/api/v1/hosts/${hostId}/web-servers`, {
    method: "PUT",
    headers: { cookie: cookies[role], "x-stoker-csrf": "1", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function storedSetting(): Promise<string> {
  const { db } = await import("@/lib/db");
  return (await db.host.findUniqueOrThrow({ where: { id: hostId } })).webTargets;
}

const ROOT_COMMAND = ["/bin/sh", "-c", "id > /tmp/stoker-pwned"];
const attacks: [string, unknown][] = [
  ["validateArgv", { nginx: { validateArgv: ROOT_COMMAND } }],
  ["reloadArgv", { nginx: { reloadArgv: ROOT_COMMAND } }],
  ["startArgv", { lighttpd: { startArgv: ROOT_COMMAND } }],
  ["dir (config written as root anywhere)", { apache: { dir: "/etc/cron.d" } }],
  ["pidFile (a signal to any pid)", { lighttpd: { pidFile: "/run/systemd/pid1.pid", reloadArgv: [], reloadSignal: "SIGUSR1" } }],
  ["siteLogDir", { nginx: { siteLogDir: "/etc/sudoers.d" } }],
];

describe("only an owner changes a host's web-server setting", () => {
  it("refuses viewers, operators and admins, and stores nothing", async () => {
    const before = await storedSetting();
    for (const role of ["viewer", "operator", "admin"]) {
      for (const [what, body] of attacks) {
        await tally.attack(`${role} sets ${what}`, async () => {
          const r = await put(role, body);
          if (r.status !== 403) return `${r.status} ${r.text.slice(0, 200)}`;
          return (await storedSetting()) === before ? true : "403 but the setting changed";
        });
      }
    }
    tally.expectAllRefused();
  });

  it("lets the owner change it (the host's agent is offline: stored for its reconnect)", async () => {
    const r = await put("owner", { nginx: { validateArgv: ["/usr/sbin/nginx", "-t"] } });
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(await storedSetting())).toEqual({ nginx: { validateArgv: ["/usr/sbin/nginx", "-t"] } });
  });
});
