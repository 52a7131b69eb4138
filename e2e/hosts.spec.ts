// The Hosts page shows each web server the agent found, with its health, and lets an owner save
// the host's web-server setting (audited, sent to the agent): through the form, and as JSON.
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
  // The form: one fieldset per server with what the agent detected beside each field.
  const lighttpd = panel.locator('[data-form-server="lighttpd"]');
  await expect(lighttpd).toContainText("detected:");
  await lighttpd.getByLabel("Override lighttpd").check();
  await lighttpd.getByLabel("lighttpd reload method").selectOption("signal");
  await panel.getByRole("button", { name: "Save setting" }).click();
  await expect(page.getByText(/Saved; the agent uses it now/).first()).toBeVisible({ timeout: 20_000 });
  await expect(panel.locator('[data-server="lighttpd"]')).toContainText("host-setting");
  // JSON is one click away, and shows what the form saved.
  await panel.getByRole("button", { name: "Edit as JSON" }).click();
  await expect(panel.getByLabel("Web-server setting (JSON)")).toHaveValue(/"lighttpd"[\s\S]*"reloadSignal": "SIGHUP"/);
  await panel.getByLabel("Web-server setting (JSON)").fill(JSON.stringify({ apache: { settleMs: 250 } }));
  await panel.getByRole("button", { name: "Save setting" }).click();
  await expect(panel.locator('[data-server="apache"]')).toContainText("host-setting", { timeout: 20_000 });
  await page.screenshot({ path: "test-results/hosts-web-servers.png", fullPage: true });
});

test("Add host shows one install command for this control plane, and says when its address is loopback", async ({ page }) => {
  await login(page);
  await page.goto("./hosts");
  await page.getByRole("button", { name: "Add host" }).click();
  const command = page.getByTestId("join-command");
  await expect(command).toHaveText(/^curl -fsSL http:\/\/127\.0\.0\.1:\d+\/api\/v1\/agent\/install\.sh \| sudo sh -s -- stkj_\S{16,}$/, { timeout: 15_000 });
  // The tests' control plane listens on 127.0.0.1: another host could not fetch from there.
  await expect(page.getByRole("note")).toContainText("STOKER_PUBLIC_URL");
});

test("at phone width a host's Discover and Stop all apps are reachable without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page);
  await page.goto("./hosts");
  const row = page.getByTestId("host-row").first();
  await expect(row).toContainText("ONLINE", { timeout: 20_000 });
  for (const name of [/^Discover apps on /, /^Stop all apps/]) {
    const box = await row.getByRole("button", { name }).boundingBox();
    expect(box, String(name)).not.toBeNull();
    expect((box?.x ?? 999) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
  }
  // <main> scrolls by itself (overflow-auto): the document never overflows, so measure main.
  expect(await page.locator("main").evaluate((m) => m.scrollWidth - m.clientWidth)).toBeLessThanOrEqual(1);
  await page.screenshot({ path: test.info().outputPath("hosts-phone.png"), fullPage: true });
});
