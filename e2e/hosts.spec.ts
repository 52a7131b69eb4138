// The Hosts page shows each web server the agent found, with its health, and lets an admin save
// the host's web-server setting (audited, sent to the agent).
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test("the hosts page lists the host's web servers and saves its setting", async ({ page }) => {
  await login(page);
  await page.goto("./hosts");
  const panel = page.getByTestId("web-servers").first();
  await expect(panel).toBeVisible();
  // All three are installed on the test machines (scripts/install-system-deps.sh).
  await expect(panel.getByTestId("web-server-row")).toHaveCount(3, { timeout: 20_000 });
  await expect(panel.locator('[data-server="nginx"]')).toContainText(/nginx\/1\./);
  await panel.getByText("Change the targets (host setting)").click();
  await panel.getByLabel("Web-server setting (JSON)").fill(JSON.stringify({ apache: { settleMs: 250 } }));
  await panel.getByRole("button", { name: "Save setting" }).click();
  await expect(page.getByText(/Saved; the agent uses it now/)).toBeVisible({ timeout: 20_000 });
  await expect(panel.locator('[data-server="apache"]')).toContainText("host-setting");
  await page.screenshot({ path: "test-results/hosts-web-servers.png", fullPage: true });
});
