// A team: the owner invites an operator; the operator can restart but not edit the app (UI and
// API refuse); the audit page shows both people's actions.
import { expect, test } from "@playwright/test";
import { ADMIN, login } from "./helpers";

test("an invited operator restarts the app, cannot edit it, and the audit shows both actors", async ({ page, browser }) => {
  await login(page);
  await page.goto("./settings/users");
  const email = `op-${Date.now()}@example.com`;
  await page.getByLabel("Email").fill(email);
  await page.locator('select[name="role"]').selectOption("operator");
  await page.getByRole("button", { name: "Create invitation" }).click();
  const link = ((await page.getByTestId("invite-link").textContent()) ?? "").trim();
  expect(link).toContain("/invite/");

  const ctx = await browser.newContext();
  const op = await ctx.newPage();
  await op.goto(link);
  await expect(op.getByText("You were invited as operator")).toBeVisible();
  await op.getByLabel(/Password/).fill("operator-password-123");
  await op.getByRole("button", { name: "Join" }).click();
  await expect(op.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(op.getByTestId("role")).toHaveText("operator");

  const demo = op.locator('[data-app="demo"]');
  await expect(demo.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
  await demo.getByRole("button", { name: "Restart demo", exact: true }).click();
  await expect(op.getByText("demo: restart done")).toBeVisible({ timeout: 30_000 });

  // Editing: the UI shows the spec read-only, and the API refuses.
  await demo.getByRole("link", { name: "demo" }).click();
  await op.getByRole("tab", { name: "Spec" }).click();
  await expect(op.getByText(/Read only: changing an app needs the admin role/)).toBeVisible();
  await expect(op.getByRole("button", { name: "Save and apply" })).toHaveCount(0);
  const appId = op.url().split("/apps/")[1].split("?")[0];
  const apps = (await (await op.request.get("api/v1/apps")).json()) as { id: string; spec: Record<string, unknown> }[];
  const put = await op.request.put(`api/v1/apps/${appId}`, { data: apps[0].spec, headers: { "x-stoker-csrf": "1" } });
  expect(put.status()).toBe(403);
  await ctx.close();

  await page.goto("./audit?action=app.restart");
  await expect(page.locator('tr[data-action="app.restart"]', { hasText: email }).first()).toBeVisible();
  await page.goto("./audit?action=user.invited");
  await expect(page.locator('tr[data-action="user.invited"]', { hasText: ADMIN.email }).first()).toBeVisible();
});
