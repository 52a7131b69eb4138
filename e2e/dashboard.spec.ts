// The first thing a user does: log in, see the host and the demo app live, restart/stop/start it.
import { expect, test } from "@playwright/test";
import { login, pidsOf } from "./helpers";

test("shows the online host and the demo app's running processes", async ({ page }) => {
  await login(page);
  const host = page.getByTestId("host-card").first();
  await expect(host).toHaveAttribute("data-online", "true");
  await expect(host.getByTestId("agent-version")).toHaveText(/^\d+\.\d+\.\d+$/);
  const demo = page.locator('[data-app="demo"]');
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
});

test("restart replaces the processes and the table updates live with new pids", async ({ page }) => {
  await login(page);
  const demo = page.locator('[data-app="demo"]');
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
  const before = await pidsOf(page, "demo");
  let reloads = 0;
  page.on("load", () => reloads++);
  await demo.getByRole("button", { name: "Restart demo", exact: true }).click();
  await expect(page.getByText("demo: restart done")).toBeVisible({ timeout: 30_000 });
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2);
  await expect.poll(async () => (await pidsOf(page, "demo")).filter((p) => before.includes(p)).length).toBe(0);
  expect(reloads).toBe(0); // live over the WebSocket, no page reload
});

test("stop asks for confirmation, then start brings the app back", async ({ page }) => {
  await login(page);
  const demo = page.locator('[data-app="demo"]');
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
  await demo.getByRole("button", { name: "Stop demo", exact: true }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Stop demo?");
  await page.getByRole("button", { name: "Stop app" }).click();
  await expect(demo.locator("tr[data-state=STOPPED]")).toHaveCount(2, { timeout: 30_000 });
  await demo.getByRole("button", { name: "Start demo", exact: true }).click();
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
});

test("the spec editor refuses a bad value with the field's name and changes nothing", async ({ page }) => {
  await login(page);
  await page.locator('[data-app="demo"]').getByRole("link", { name: "demo" }).click();
  await page.getByRole("tab", { name: "Spec" }).click();
  await page.getByRole("tab", { name: "JSON" }).click();
  const editor = page.getByLabel("App spec (JSON)");
  const replaceText = async (text: string) => {
    await editor.click();
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText(text);
  };
  const demo = ((await (await page.request.get("api/v1/apps")).json()) as { name: string; spec: { socket: object } }[]).find((a) => a.name === "demo");
  await replaceText(JSON.stringify({ ...demo?.spec, socket: { ...demo?.spec.socket, mode: "0666" } }));
  await page.getByRole("button", { name: "Save and apply" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "socket.mode" })).toContainText("world-writable");
  await replaceText("{ not json");
  await page.getByRole("button", { name: "Save and apply" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "(json)" })).toBeVisible();
  const apps = (await (await page.request.get("api/v1/apps")).json()) as { revision: number }[];
  expect(apps[0].revision).toBe(1); // nothing was saved
});
