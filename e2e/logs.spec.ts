// The log view: a line written after the page loaded appears live; a regex filter narrows the view
// and lives in the URL; a traceback group opens with its sample.
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test("shows new lines live, filters by regex, and opens a traceback group", async ({ page }) => {
  await login(page);
  const apps = (await (await page.request.get("api/v1/apps")).json()) as { id: string }[];
  const appId = apps[0].id;
  const hit = (path: string) => page.request.post(`api/v1/apps/${appId}/test-request`, { data: { method: "GET", path }, headers: { "x-stoker-csrf": "1" } });

  await page.goto(`./apps/${appId}?tab=logs`);
  const view = page.getByTestId("log-view");
  await expect(view).toBeVisible();
  await expect(page.getByTestId("log-line").first()).toBeVisible({ timeout: 15_000 });
  const marker = `/live-${Date.now()}`;
  await hit(marker);
  await expect(view.getByText(`GET ${marker} 200`)).toBeVisible({ timeout: 15_000 });

  await hit("/alpha-1");
  await hit("/beta-2");
  await expect(view.getByText("GET /beta-2 200")).toBeVisible({ timeout: 15_000 });
  await page.getByLabel("regex").click(); // the box reflects the URL, which updates a moment later
  await expect(page).toHaveURL(/regex=1/);
  await page.getByLabel("Filter text").fill("GET /(alpha|gamma)-\\d");
  await page.getByLabel("Filter text").press("Enter");
  await expect(page).toHaveURL(/regex=1/);
  await expect(view.getByText("GET /alpha-1 200")).toBeVisible();
  await expect(view.getByText("GET /beta-2 200")).toHaveCount(0);

  for (let i = 0; i < 2; i++) await hit(`/fail-${i}`);
  await page.getByRole("tab", { name: "Tracebacks" }).click();
  const group = page.getByTestId("traceback-group").first();
  await expect(group).toBeVisible({ timeout: 20_000 });
  await group.getByRole("button").first().click();
  await expect(group).toContainText("demo failure requested");
  await expect(group.getByTestId("traceback-context")).toContainText("stderr Error: demo failure requested at /fail-1");
});
