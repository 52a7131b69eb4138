// Every main page of the dashboard loads without a React hydration error or any other console
// error; the dashboard follows the system's dark mode; and at phone width an app's status, its
// restart button and its logs are usable (screenshots in test-results/ to look at).
import { expect, type Page, test } from "@playwright/test";
import { login } from "./helpers";

const PAGES = ["./", "./hosts", "./audit", "./alerts", "./alerts/rules", "./alerts/channels", "./alerts/silences", "./alerts/uptime", "./settings/account", "./settings/tokens", "./settings/users", "./settings/security", "./api-docs"];

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

async function demoId(page: Page): Promise<string> {
  const apps = (await (await page.request.get("./api/v1/apps")).json()) as { id: string; name: string }[];
  return (apps.find((a) => a.name === "demo") ?? apps[0]).id;
}

const APP_TABS = ["processes", "workers", "schedules", "metrics", "logs", "tracebacks", "test", "events", "web", "debug", "spec"];

test.describe("in another time zone and locale than the server's", () => {
  // The server renders in its zone (UTC here) and locale; a browser elsewhere must still hydrate without a mismatch.
  test.use({ timezoneId: "Pacific/Auckland", locale: "de-DE" });
  test("the main pages render with no hydration error and no console error", async ({ page }) => {
    test.setTimeout(180_000); // 25 page loads, where the other tests make one or two (it ran out of 60 s on a loaded 2-core machine)
    const errors = collectErrors(page);
    await login(page);
    const id = await demoId(page);
    for (const url of [...PAGES, `./apps/${id}`, ...APP_TABS.map((t) => `./apps/${id}?tab=${t}`)]) {
      await page.goto(url);
      await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
      await page.waitForTimeout(500); // hydration runs after the first paint
      // The Events tab lists the demo app's process history (its processes' starts at least).
      if (url.endsWith("tab=events")) await expect(page.locator('[data-testid="process-event"][data-kind="start"]').first()).toBeVisible({ timeout: 15_000 });
      if (url === "./hosts") await page.screenshot({ path: test.info().outputPath("hosts.png"), fullPage: true });
    }
    expect(errors, errors.join("\n")).toEqual([]);
  });
});

test("follows the system's dark mode, at load and when it changes", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await login(page);
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe("rgb(15, 17, 21)");
  await page.screenshot({ path: test.info().outputPath("overview-dark.png"), fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
});

test("at phone width an app's status, restart and logs work without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page);
  const demo = page.locator('[data-app="demo"]');
  await expect(demo.locator("tr[data-state=RUNNING]").first()).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath("overview-phone.png"), fullPage: true });
  // <main> scrolls by itself (overflow-auto): the document never overflows, so measure main too.
  const sideways = () => page.evaluate(() => Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth, ...[...document.querySelectorAll("main")].map((m) => m.scrollWidth - m.clientWidth)));
  expect(await sideways()).toBeLessThanOrEqual(1);

  await page.goto(`./apps/${await demoId(page)}`);
  const restart = page.getByRole("button", { name: /^Restart/ }).first();
  await expect(restart).toBeInViewport();
  await restart.click();
  const confirm = page.getByRole("alertdialog");
  if (await confirm.isVisible().catch(() => false)) await confirm.getByRole("button", { name: /Restart/ }).click();
  await expect(page.locator("tr[data-state=RUNNING]").first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: "Logs" }).click();
  await expect(page.getByTestId("log-line").first()).toBeVisible({ timeout: 15_000 });
  await page.screenshot({ path: test.info().outputPath("app-phone.png"), fullPage: true });
  expect(await sideways()).toBeLessThanOrEqual(1);
});
