// Debug as the web-server user: a recorded terminal as www-data in the app's cwd, then its replay
// from the audit page shows the same output.
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test("a terminal as www-data runs in the app's cwd, and its recording replays from the audit page", async ({ page }) => {
  await login(page);
  const apps = (await (await page.request.get("api/v1/apps")).json()) as { id: string; spec: Record<string, unknown> }[];
  const demo = apps[0];
  // A cwd www-data can enter wherever the checkout lives.
  const put = await page.request.put(`api/v1/apps/${demo.id}`, { data: { ...demo.spec, cwd: "/tmp" }, headers: { "x-stoker-csrf": "1" } });
  expect(put.status()).toBe(200);

  await page.goto(`./apps/${demo.id}?tab=debug`);
  await page.getByLabel("Terminal user").fill("www-data");
  await page.getByRole("button", { name: "Open terminal" }).click();
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toBeVisible();
  await terminal.click();
  await page.keyboard.type("id; pwd\n");
  await expect(terminal).toContainText("uid=33(www-data)", { timeout: 15_000 });
  await expect(terminal).toContainText("/tmp");
  await page.getByRole("button", { name: "End session" }).click();
  await expect(terminal).toContainText("session ended", { timeout: 15_000 });

  await page.goto("./audit?action=debug.session.closed");
  await page.locator('tr[data-action="debug.session.closed"]').first().click();
  await page.getByRole("link", { name: "Replay the recorded terminal session" }).click();
  const player = page.getByTestId("player");
  await expect(player).toContainText("uid=33(www-data)", { timeout: 15_000 });
  await expect(player).toContainText("/tmp");
  await page.getByText(/Typed input/).click();
  await expect(page.getByTestId("recorded-input")).toContainText("id; pwd");
});
