// STOKER_BASE_PATH=/stoker: pages, API, WebSockets and the agent all live under the sub-path
// (for teams that put Stoker behind their existing nginx). Uses its own build directory.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ADMIN, type Stack, startStack, waitUntil } from "./support/stack";

const env = { STOKER_BASE_PATH: "/stoker", STOKER_DIST_DIR: ".next-basepath" };
let stack: Stack;
let base: string;

beforeAll(async () => {
  const build = spawnSync("npx", ["next", "build"], { env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" }, encoding: "utf8", timeout: 300_000 });
  expect(build.status, build.stderr.slice(-2000)).toBe(0);
  stack = await startStack(env, "/stoker");
  base = `${stack.url}/stoker`;
}, 400_000);

afterAll(async () => {
  await stack?.destroy();
  rmSync(".next-basepath", { recursive: true, force: true });
});

describe("under /stoker", () => {
  it("serves the login page with its assets under the prefix, and nothing at the root", async () => {
    const page = await fetch(`${base}/login`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/stoker/_next/static/");
    const asset = html.match(/\/stoker\/_next\/static\/[^"]+\.js/)?.[0];
    expect((await fetch(`${stack.url}${asset}`)).status).toBe(200);
    expect((await fetch(`${stack.url}/login`)).status).toBe(404);
  });

  it("answers the API under the prefix, and the local agent enrolled through it", async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    expect(login.headers.get("set-cookie")).toContain("Path=/stoker");
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    const hosts = await waitUntil(async () => {
      const list = (await (await fetch(`${base}/api/v1/hosts`, { headers: { cookie } })).json()) as { online: boolean }[];
      return list[0]?.online ? list : null;
    }, 30_000, "the agent online");
    expect(hosts).toHaveLength(1);
  });

  it("accepts the live socket at /stoker/ws/ui and refuses /ws/ui", async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    const open = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers: { cookie, host: `127.0.0.1:${stack.port}` } });
        ws.on("open", () => {
          ws.close();
          resolve(101);
        });
        ws.on("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
        ws.on("error", () => resolve(0));
      });
    expect(await open(`ws://127.0.0.1:${stack.port}/stoker/ws/ui`)).toBe(101);
    expect(await open(`ws://127.0.0.1:${stack.port}/ws/ui`)).toBe(404);
  });
});
