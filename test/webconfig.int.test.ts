// Web-server config through the whole stack: the control plane asks the agent to render and apply
// the demo app's nginx config to a real nginx, then checks drift, adopt, history and rollback.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, type RunningServer, startWebServer } from "./support/web-servers";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";

let nginx: RunningServer;
let stack: Stack;
let token: string;
let appId: string;

const call = tokenCaller(() => stack.url, () => token);

beforeAll(async () => {
  nginx = await startWebServer("nginx");
  stack = await startStack({
    STOKER_WEB_TARGETS: JSON.stringify({ nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 200 } }),
  });
  token = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await call("GET", "/apps")).body as unknown as { id: string; name: string; spec: Record<string, unknown>; processes: unknown[] }[];
    return list.length && list[0].processes.length ? list : null;
  }, 30_000);
  appId = apps[0].id;
  const spec = apps[0].spec as { socket: Record<string, unknown> };
  // nginx's workers run as www-data: give them the socket's group, and a site to serve.
  const put = await call("PUT", `/apps/${appId}`, {
    ...spec,
    socket: { ...spec.socket, group: "www-data", mode: "0660" },
    web: { server: "nginx", serverName: "demo.test", listen: `127.0.0.1:${nginx.port}`, mount: "/" },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
  await nginx?.stop();
});

describe("web config via the API", () => {
  it("renders a config whose upstream is exactly the app's socket", async () => {
    const res = await call("GET", `/apps/${appId}/webconfig?server=nginx`);
    expect(res.status).toBe(200);
    expect(res.body.text).toContain(`unix:${stack.dataDir}/run/demo.sock`);
    expect(res.body.applied).toBeNull();
    expect(res.body.drift).toBe(false);
  });

  it("applies it: validated, swapped, reloaded, probed, and the site answers through nginx", async () => {
    const res = await call("POST", `/apps/${appId}/webconfig/apply`, { server: "nginx" });
    expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
    expect(res.body.step).toBe("done");
    expect(res.body.version).toBe(1);
    const page = await httpGet(nginx.port, "/", { host: "demo.test" });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain("Hello from the Stoker demo app");
  });

  it("reports drift after a hand edit, and adopting it clears the drift", async () => {
    const file = String((await call("GET", `/apps/${appId}/webconfig?server=nginx`)).body.path);
    writeFileSync(file, `${readFileSync(file, "utf8")}\n# edited by hand\n`);
    const drifted = await call("GET", `/apps/${appId}/webconfig?server=nginx`);
    expect(drifted.body.drift).toBe(true);
    expect(String(drifted.body.diskText)).toContain("# edited by hand");
    const adopted = await call("POST", `/apps/${appId}/webconfig/adopt`, { server: "nginx" });
    expect(adopted.body.version).toBe(2);
    expect((await call("GET", `/apps/${appId}/webconfig?server=nginx`)).body.drift).toBe(false);
  });

  it("rolls back to version 1 through the same pipeline and keeps every version in history", async () => {
    const res = await call("POST", `/apps/${appId}/webconfig/rollback`, { server: "nginx", version: 1 });
    expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
    expect(res.body.version).toBe(3);
    const file = String((await call("GET", `/apps/${appId}/webconfig?server=nginx`)).body.path);
    expect(readFileSync(file, "utf8")).not.toContain("# edited by hand");
    const history = (await fetch(`${stack.url}/api/v1/apps/${appId}/webconfig/history`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())) as { version: number; step: string }[];
    expect(history.map((h) => h.version)).toEqual([3, 2, 1]);
    expect(history[1].step).toBe("adopted");
    const audit = (await call("GET", "/audit?action=webconfig.")).body as { events: { action: string }[] };
    expect(audit.events.map((e) => e.action)).toEqual(["webconfig.rolled-back", "webconfig.adopted", "webconfig.applied"]);
  });

  it("shows a second app on the same site the same file, and one app's apply is no drift for the other", async () => {
    const first = (await call("GET", `/apps/${appId}`)).body as { spec: Record<string, unknown> & { socket: Record<string, unknown> } };
    const created = await call("POST", "/apps", {
      ...first.spec,
      name: "second",
      socket: { ...first.spec.socket, path: `${stack.dataDir}/run/second.sock` },
      web: { server: "nginx", serverName: "demo.test", listen: `127.0.0.1:${nginx.port}`, mount: "/second" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const secondId = String(created.body.id);
    // Each app applies the shared file in turn: the later apply changes what the earlier one wrote.
    const bySecond = await call("POST", `/apps/${secondId}/webconfig/apply`, { server: "nginx" });
    expect(bySecond.body.ok, JSON.stringify(bySecond.body)).toBe(true);
    const put = await call("PUT", `/apps/${appId}`, { ...first.spec, fastcgiParams: { ...(first.spec.fastcgiParams as object), SITE_TEST: "1" } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const applied = await call("POST", `/apps/${appId}/webconfig/apply`, { server: "nginx" });
    expect(applied.body.ok, JSON.stringify(applied.body)).toBe(true);
    const [a, b] = [await call("GET", `/apps/${appId}/webconfig?server=nginx`), await call("GET", `/apps/${secondId}/webconfig?server=nginx`)];
    expect(b.body.path).toBe(a.body.path);
    expect(b.body.text).toBe(a.body.text);
    expect(String(b.body.diskText)).toContain("location ~ ^/second(?:/|$)");
    expect(String(b.body.diskText)).toContain("SITE_TEST");
    expect(b.body.drift).toBe(false);
  });

  it("refuses a rollback to a version that does not exist", async () => {
    const res = await call("POST", `/apps/${appId}/webconfig/rollback`, { server: "nginx", version: 99 });
    expect(res.status).toBe(404);
  });
});
