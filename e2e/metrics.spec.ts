// The overview's sparklines, and the app page's Metrics tab and mute button, on the demo app of the real stack: the tab and the time
// range are kept in the URL (a reload or a shared link opens the same view), with charts per process
// for the short ranges; the charts fit a phone's
// width and are drawn with the dark theme's colours; muting asks for a duration, says so, can be
// undone from its toast, and both steps are in the audit history.
import { expect, type Page, test } from "@playwright/test";
import { login } from "./helpers";

async function openDemo(page: Page): Promise<void> {
  await login(page);
  await page.locator('[data-app="demo"]').getByRole("link", { name: "demo", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: /demo/ })).toBeVisible();
}

/** The brightest opaque pixel (relative luminance, 0-1) of the y-axis strip of the first chart: its labels and ticks. */
async function axisBrightest(page: Page): Promise<number> {
  return page.getByTestId("metric-chart").first().evaluate((fig: HTMLElement) => {
    const c = fig.querySelector("canvas");
    const ctx = c?.getContext("2d");
    // uPlot's second axis element is the y axis, as wide as its labels need (not a fixed 50 px): the strip
    // left of the plot, so no series line (bright in any theme) is sampled.
    const yAxis = fig.querySelectorAll<HTMLElement>(".u-axis")[1];
    if (!c || !ctx || !yAxis) return -1;
    const width = Math.floor((yAxis.offsetWidth - 1) * devicePixelRatio);
    const { data } = ctx.getImageData(0, 0, Math.min(width, c.width), c.height);
    let best = -1;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200) best = Math.max(best, (0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2]) / 255);
    return best;
  });
}

/** The leftmost column (css px) any chart draws in: 0 when a y-axis label or the x axis's first date runs off the canvas' left edge. */
async function leftmostInk(page: Page): Promise<number> {
  const xs = await page.getByTestId("metric-chart").locator("canvas").evaluateAll((cs: HTMLCanvasElement[]) =>
    cs.map((c) => {
      const ctx = c.getContext("2d");
      if (!ctx) return -1;
      // The whole canvas: the y axis's labels, and the date the x axis centres under the plot's left edge.
      const { data, width } = ctx.getImageData(0, 0, c.width, c.height);
      let min = width;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 100) min = Math.min(min, (i / 4) % width);
      return min / devicePixelRatio;
    }),
  );
  return Math.min(...xs);
}

test("the Metrics tab and its range are kept in the URL and survive a reload", async ({ page }) => {
  await openDemo(page);
  await page.getByRole("tab", { name: "Metrics" }).click();
  await expect(page).toHaveURL(/[?&]tab=metrics/);
  // The agent samples every 10 s: the first sample makes the seven charts.
  await expect(page.getByTestId("metric-chart")).toHaveCount(7, { timeout: 40_000 });
  // And CPU and memory per process (the demo app's two processes, one line each).
  await expect(page.getByTestId("process-chart")).toHaveCount(2);
  await expect(page.getByTestId("process-chart").first()).toContainText("#1");
  await expect(page.getByTestId("process-chart").first()).toContainText("#2");
  await page.getByRole("button", { name: "6h", exact: true }).click();
  await expect(page).toHaveURL(/[?&]tab=metrics&range=6h/);
  await expect(page.getByRole("button", { name: "6h", exact: true })).toHaveAttribute("aria-pressed", "true");
  await page.reload();
  await expect(page.getByRole("tab", { name: "Metrics" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("button", { name: "6h", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "1h", exact: true })).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByTestId("metric-chart")).toHaveCount(7);
  await expect(page.getByTestId("process-chart")).toHaveCount(2);
  await page.getByRole("button", { name: "24h", exact: true }).click();
  await expect(page).toHaveURL(/[?&]range=24h/);
  // The day's 10 s samples, not the (still empty) 5-minute tier: a day back from the control
  // plane's clock is a few ms more than a day back from the agent's.
  await expect(page.getByTestId("metric-chart")).toHaveCount(7);
  await expect(page.getByText("Charts per process cover the last 1 h and 6 h.")).toBeVisible();
  await expect(page.getByTestId("process-chart")).toHaveCount(0);
  // Another tab and back: the URL says which, and an unknown range falls back to 1h.
  await page.getByRole("tab", { name: "Logs" }).click();
  await expect(page).toHaveURL(/[?&]tab=logs/);
  await page.goto(`${page.url().split("?")[0]}?tab=metrics&range=bogus`);
  await expect(page.getByRole("button", { name: "1h", exact: true })).toHaveAttribute("aria-pressed", "true");
});

test("at phone width in dark mode the charts fit the screen and their axes are drawn light on dark", async ({ page }) => {
  await openDemo(page);
  await page.setViewportSize({ width: 390, height: 844 });
  const url = `${page.url().split("?")[0]}?tab=metrics&range=1h`;
  await page.goto(url);
  await expect(page.getByTestId("metric-chart")).toHaveCount(7, { timeout: 40_000 });
  // Every tab of the app page within the phone's width (the row wraps instead of running off the edge).
  for (const tab of await page.getByRole("tab").all()) {
    const box = await tab.boundingBox();
    expect((box?.x ?? 999) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
  }
  // Light theme: dark labels, and ticks in the light grid colour (#e3e6eb).
  expect(await axisBrightest(page)).toBeGreaterThan(0.8);
  await page.screenshot({ path: "test-results/metrics-light-phone.png", fullPage: true });
  // On a phone the theme switch is in the menu.
  await page.getByRole("button", { name: "Open menu" }).click();
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  await page.getByRole("button", { name: "Close menu" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  // Redrawn with the dark theme's colours: nothing of the light grid's near-white is left (the labels are
  // #8b95a5, the ticks #2a2f3a); a chart that kept its first colours still has those ticks, and dark labels on dark.
  await expect.poll(async () => axisBrightest(page)).toBeLessThan(0.7);
  expect(await axisBrightest(page)).toBeGreaterThan(0.4);
  // Every axis label whole: the widest y label ("100MB", "0.75%") and the x axis's first date start inside the canvas.
  expect(await leftmostInk(page)).toBeGreaterThanOrEqual(1);
  // Nothing wider than the phone: no sideways scrolling of the page.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  for (const chart of await page.getByTestId("metric-chart").all()) expect((await chart.boundingBox())?.width ?? 999).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "test-results/metrics-dark-phone.png", fullPage: true });
  // At desktop width (the charts resized, their y axes sized again): labels whole in both themes.
  await page.setViewportSize({ width: 1280, height: 900 });
  await expect.poll(async () => leftmostInk(page)).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: "test-results/metrics-dark-desktop.png", fullPage: true });
  await page.getByRole("button", { name: "Toggle dark mode" }).click(); // leave the theme as it was for the next tests
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await expect.poll(async () => axisBrightest(page)).toBeGreaterThan(0.8);
  expect(await leftmostInk(page)).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: "test-results/metrics-light-desktop.png", fullPage: true });
});

test("the overview shows each app's sparklines: CPU, memory, requests/s and 5xx/s with the latest value", async ({ page }) => {
  await login(page);
  const sparks = page.locator('[data-app="demo"]').getByTestId("sparkline");
  // The first 10 s sample, then the overview's next 10 s refresh.
  await expect(sparks).toHaveCount(4, { timeout: 40_000 });
  expect(await sparks.evaluateAll((els) => els.map((e) => e.getAttribute("data-metric")))).toEqual(["CPU", "Mem", "req/s", "5xx/s"]);
  // Drawn (a path from the samples) and labelled with the last value: the demo app's two processes use memory.
  await expect(sparks.nth(1).locator("path")).toHaveAttribute("d", /^M[\d.]+,[\d.]+/);
  await expect(sparks.nth(1)).not.toContainText("—");
  await expect(sparks.nth(1)).toContainText(/\d/);
});

test("mute asks for how long, says until when, and Undo in its toast unmutes; both are audited", async ({ page }) => {
  await openDemo(page);
  await page.getByRole("button", { name: "Mute alerts of demo" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Mute alerts of demo?");
  await page.getByLabel("4 hours", { exact: true }).check();
  await page.getByRole("alertdialog").getByRole("button", { name: "Mute" }).click();
  await expect(page.getByText("demo: alerts muted for 4 hours")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Unmute demo \(muted until / })).toBeVisible();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByText("demo: mute undone")).toBeVisible();
  await expect(page.getByRole("button", { name: "Mute alerts of demo" })).toBeVisible();
  const audit = await page.evaluate(async () => (await (await fetch("/api/v1/audit?action=alerts.silence")).json()) as { events: { action: string; actor: string }[] });
  const actions = audit.events.map((e) => e.action);
  expect(actions).toContain("alerts.silence.created");
  expect(actions).toContain("alerts.silence.deleted");
});
