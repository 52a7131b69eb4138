// The Alerts pages: an admin adds a webhook channel (its secret shown once), sends a test that a real
// HTTP sink verifies, adds a rule and a nightly maintenance window, ends the window (confirmed), and
// finds the test in the history. Screenshots in light and dark, and at phone width.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test("channels, rules, silences and history", async ({ page }) => {
  const got: { raw: string; signature: string }[] = [];
  const sink = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      got.push({ raw, signature: String(req.headers["x-stoker-signature-256"] ?? "") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/stoker`;
  try {
    await login(page);
    await page.getByRole("link", { name: "Alerts" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Alerts" })).toBeVisible();

    // No channel yet: once the channels have loaded, the rule form sends the reader to add one.
    await page.getByRole("link", { name: "Rules" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Alert rules" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Add a channel first." })).toHaveAttribute("href", /\/alerts\/channels$/);
    await expect(page.getByText("Loading channels…")).toHaveCount(0);
    await page.screenshot({ path: "test-results/alerts-rules-no-channels.png", fullPage: true });

    await page.getByRole("link", { name: "Channels", exact: true }).click();
    // Client navigation: the last page's form stays until the new one renders.
    await expect(page.getByRole("heading", { level: 1, name: "Notification channels" })).toBeVisible();
    await page.getByLabel("Name").fill("ops relay");
    await page.getByLabel("URL").fill(url);
    await page.getByRole("button", { name: "Add channel" }).click();
    const secret = ((await page.getByTestId("channel-secret").textContent()) ?? "").trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("row", { name: /ops relay/ }).getByRole("button", { name: "Send test" }).click();
    await expect(page.getByText('Test message sent to "ops relay"')).toBeVisible();
    expect(got).toHaveLength(1);
    expect(got[0].signature).toBe(`sha256=${createHmac("sha256", secret).update(got[0].raw).digest("hex")}`);
    await page.screenshot({ path: "test-results/alerts-channels.png", fullPage: true });

    // The channels answer late: the rule form says it is loading them, never "Add a channel first."
    // (the empty state flashed on every visit while they loaded).
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await page.route("**/api/v1/notifications/channels", async (route) => {
      await gate;
      await route.continue();
    });
    await page.getByRole("link", { name: "Rules" }).click();
    // Client navigation: the last page's form stays until the new one renders.
    await expect(page.getByRole("heading", { level: 1, name: "Alert rules" })).toBeVisible();
    await expect(page.getByText("Loading channels…")).toBeVisible();
    await expect(page.getByText("Add a channel first.")).toHaveCount(0);
    await page.screenshot({ path: "test-results/alerts-rules-loading.png", fullPage: true });
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await page.screenshot({ path: "test-results/alerts-rules-loading-dark.png", fullPage: true });
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    release(); // the route stays, passing requests on at once from now on
    await expect(page.getByLabel("ops relay")).toBeVisible();
    await expect(page.getByText("Loading channels…")).toHaveCount(0);
    await page.getByLabel("Name").fill("an app is down");
    await page.getByLabel("ops relay").check();
    await page.getByRole("button", { name: "Add rule" }).click();
    await expect(page.getByRole("row", { name: /an app is down/ })).toContainText("App FATAL");
    await page.screenshot({ path: "test-results/alerts-rules.png", fullPage: true });

    await page.getByRole("link", { name: "Silences" }).click();
    // Client navigation: the last page's form stays until the new one renders.
    await expect(page.getByRole("heading", { level: 1, name: "Silences and maintenance windows" })).toBeVisible();
    await page.getByLabel("Name").fill("nightly backup");
    await page.getByLabel("When").selectOption("daily");
    await page.getByLabel("Sun").check();
    // Its apps arrive after the form renders: until then the required "Which" is empty and the browser keeps the form.
    await expect(page.getByLabel("Which")).toHaveValue(/.+/);
    await page.getByRole("button", { name: "Add silence" }).click();
    const row = page.getByRole("row", { name: /nightly backup/ });
    await expect(row).toContainText("daily 02:00-03:00 UTC on Sun");
    await page.screenshot({ path: "test-results/alerts-silences.png", fullPage: true });
    // Dark mode from the page's own switch: toasts follow it (they followed only the system's preference).
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await row.getByRole("button", { name: "End" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "End silence" }).click();
    await expect(page.getByText('Silence "nightly backup" ended')).toBeVisible();
    await expect(page.locator("[data-sonner-toaster]")).toHaveAttribute("data-sonner-theme", "dark");
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await expect(page.locator("[data-sonner-toaster]")).toHaveAttribute("data-sonner-theme", "light");
    await expect(page.getByRole("row", { name: /nightly backup/ })).toHaveCount(0);

    await page.getByRole("link", { name: "Alerts & history" }).click();
    await expect(page.getByRole("row", { name: /ops relay/ })).toContainText("sent");
    await page.screenshot({ path: "test-results/alerts-history.png", fullPage: true });
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await page.screenshot({ path: "test-results/alerts-history-dark.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Rules" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Alert rules" })).toBeVisible();
    await expect(page.getByRole("row", { name: /an app is down/ })).toBeVisible();
    // Every section of Alerts in reach at phone width: the tabs wrap rather than scroll out of sight.
    for (const tab of await page.getByRole("navigation", { name: "Alerts" }).getByRole("link").all()) {
      const box = await tab.boundingBox();
      expect((box?.x ?? 999) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: "test-results/alerts-rules-phone.png", fullPage: true });
  } finally {
    sink.close();
  }
});

// Uptime checks: an app has one. Once it has, the add form no longer offers it, a second POST is
// refused with 409 naming the first (it silently replaced it), and Edit under the row changes it.
test("uptime checks: one per app, changed with Edit", async ({ page }) => {
  const sink = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/health`;
  try {
    await login(page);
    await page.goto("./alerts/uptime");
    await expect(page.getByRole("heading", { level: 1, name: "Uptime checks" })).toBeVisible();
    const appSelect = page.getByRole("form", { name: "Add an uptime check" }).getByLabel("App");
    // Its apps arrive after the form renders: until then the required App is empty.
    await expect(appSelect).toHaveValue(/.+/);
    const appId = await appSelect.inputValue();
    const appName = ((await appSelect.locator(`option[value="${appId}"]`).textContent()) ?? "").trim();
    await page.getByLabel("URL (through the web server)").fill(url);
    await page.getByRole("button", { name: "Add check" }).click();
    await expect(page.getByText("Uptime check added")).toBeVisible();
    const row = page.getByRole("row", { name: new RegExp(appName) });
    await expect(row).toContainText(url);
    await expect(appSelect.locator(`option[value="${appId}"]`)).toBeDisabled();
    await expect(appSelect.locator(`option[value="${appId}"]`)).toHaveText(`${appName} (has a check: Edit it below)`);

    const second = await page.request.post("api/v1/notifications/uptime-checks", { data: { appId, url: `${url}?again`, intervalSec: 30 }, headers: { "x-stoker-csrf": "1" } });
    expect(second.status()).toBe(409);
    const refusal = (await second.json()) as { message: string; detail: { existingId: string } };
    expect(refusal.message).toContain(`${appName} already has an uptime check (GET ${url} every 60 s)`);
    expect(refusal.message).toContain(`PATCH /api/v1/notifications/uptime-checks/${refusal.detail.existingId}`);
    await expect(row).toContainText(url);
    await expect(row).not.toContainText("?again");

    await row.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: `Edit the uptime check of ${appName}` });
    await expect(edit.getByLabel("URL")).toHaveValue(url);
    await edit.getByLabel("Every (s)").fill("45");
    await page.screenshot({ path: "test-results/alerts-uptime-edit.png", fullPage: true });
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await page.screenshot({ path: "test-results/alerts-uptime-edit-dark.png", fullPage: true });
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText(`Uptime check of ${appName} changed`)).toBeVisible();
    await expect(edit).toHaveCount(0);
    await expect(row.getByRole("cell", { name: "45s" })).toBeVisible();

    await row.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
    await expect(page.getByRole("row", { name: new RegExp(appName) })).toHaveCount(0);
  } finally {
    sink.close();
  }
});
