// The "Web server" tab against a real nginx: apply the rendered config (step by step), change the
// spec and apply again, then roll back to the first version from the history.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { httpGet, type RunningServer, startWebServer } from "../test/support/web-servers";
import { login } from "./helpers";

let nginx: RunningServer;
test.beforeAll(async () => {
  nginx = await startWebServer("nginx");
  // Point the running agent at this nginx (the agent re-reads this file on every apply).
  const targets = { nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 200 } };
  writeFileSync(path.join(process.env.E2E_DATA_DIR ?? "", "agent", "web-targets.json"), JSON.stringify(targets));
});
test.afterAll(async () => {
  await nginx?.stop();
});

test("applies the nginx config with a progress view, and rolls back to an earlier version", async ({ page }) => {
  await login(page);
  const apps = (await (await page.request.get("api/v1/apps")).json()) as { id: string; spec: { socket: Record<string, unknown> } & Record<string, unknown> }[];
  const demo = apps[0];
  const put = (mount: string) =>
    page.request.put(`api/v1/apps/${demo.id}`, {
      data: { ...demo.spec, socket: { ...demo.spec.socket, group: "www-data" }, web: { server: "nginx", serverName: "demo.test", listen: `127.0.0.1:${nginx.port}`, mount } },
      headers: { "x-stoker-csrf": "1" },
    });
  expect((await put("/")).status()).toBe(200);

  await page.goto(`./apps/${demo.id}?tab=web`);
  await expect(page.getByTestId("config-text")).toContainText("fastcgi_pass unix:");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const steps = page.getByTestId("apply-steps");
  await expect(steps.locator('[data-step="done"]')).toHaveAttribute("data-status", "ok", { timeout: 30_000 });
  await expect(page.getByText(/Apply: version \d+ is live/)).toBeVisible();
  expect((await httpGet(nginx.port, "/", { host: "demo.test" })).status).toBe(200);

  // A new mount: the diff shows it, a second apply makes it live.
  expect((await put("/shop")).status()).toBe(200);
  await page.reload();
  await expect(page.getByTestId("config-diff")).toContainText("/shop");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(steps.locator('[data-step="done"]')).toHaveAttribute("data-status", "ok", { timeout: 30_000 });
  expect((await httpGet(nginx.port, "/shop/", { host: "demo.test" })).status).toBe(200);

  // Roll back to the first version from the history, with a confirm.
  const history = page.getByTestId("webconfig-history");
  const first = history.locator("tr").last();
  await first.getByRole("button", { name: "Roll back" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByText(/Rollback: version \d+ is live/)).toBeVisible({ timeout: 30_000 });
  const res = await httpGet(nginx.port, "/", { host: "demo.test" });
  expect(res.status).toBe(200);
  expect(res.body.toString()).toContain("Hello from the Stoker demo app");
});
