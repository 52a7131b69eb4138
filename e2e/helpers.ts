// Shared steps of the browser tests.
import { expect, type Page } from "@playwright/test";

export const ADMIN = { email: "admin@example.com", password: "correct-horse-battery-staple" };

export async function login(page: Page, who = ADMIN): Promise<void> {
  await page.goto("./login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole("button", { name: "Log in" }).click();
  // The first page after logging in may be compiled or slowed by a loaded machine: 30 s, not the default 5.
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible({ timeout: 30_000 });
}

export async function pidsOf(page: Page, app: string): Promise<string[]> {
  return page.locator(`[data-app="${app}"] [data-testid=pid]`).allInnerTexts();
}
