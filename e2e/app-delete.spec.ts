// Deleting an app from its page: the confirm asks for the app's name, the app's processes end,
// a toast says so, and the browser is back on the overview without it. A throwaway app is created
// for this (other browser tests share the demo app).
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

type App = { id: string; name: string; spec: Record<string, unknown> & { socket: Record<string, unknown> }; processes: { pid: number; state: string }[] };
const csrf = { "x-stoker-csrf": "1" };

test("delete asks for the app's name, removes the app, toasts and returns to the overview", async ({ page }) => {
  await login(page);
  const list = (await (await page.request.get("./api/v1/apps")).json()) as App[];
  const demo = list.find((a) => a.name === "demo") as App;
  const socketPath = String(demo.spec.socket.path).replace(/demo\.sock$/, "doomed.sock");
  const created = await page.request.post("./api/v1/apps", { headers: csrf, data: { ...demo.spec, name: "doomed", processes: 1, socket: { ...demo.spec.socket, path: socketPath } } });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`./apps/${id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("doomed");
  await expect(page.locator("tr[data-state=RUNNING]")).toHaveCount(1, { timeout: 30_000 });
  const pid = Number(await page.getByTestId("pid").first().textContent());

  await page.getByRole("button", { name: "Delete doomed" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Delete doomed?");
  const confirm = dialog.getByRole("button", { name: "Delete app" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type doomed to confirm/).fill("demo"); // another app's name is not a confirmation
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type doomed to confirm/).fill("doomed");
  await confirm.click();

  await expect(page.getByText("doomed deleted")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.locator('[data-app="doomed"]')).toHaveCount(0);
  await expect(page.locator('[data-app="demo"]')).toHaveCount(1);
  expect((await page.request.get(`./api/v1/apps/${id}`)).status()).toBe(404);
  expect(() => process.kill(pid, 0)).toThrow(); // the process is gone, not just the row
  const audit = (await (await page.request.get("./api/v1/audit?action=app.deleted")).json()) as { events: { target: string }[] };
  expect(audit.events[0].target).toBe("app:doomed");
});
