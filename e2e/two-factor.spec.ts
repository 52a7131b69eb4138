// Two-factor sign-in in the browser: an invited admin enrols an authenticator app on the Security
// page (key shown, confirmed with a code, recovery codes shown once), logs out, and logs back in
// with the password and then a code, by keyboard.
import { expect, test } from "@playwright/test";
import { generate } from "otplib";
import { login } from "./helpers";

const codeAt = (secret: string, offsetS: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetS });

test("enrol an authenticator app, log out, log in with password and code", async ({ page, browser }) => {
  await login(page);
  await page.goto("./settings/users");
  const email = `tfa-${Date.now()}@example.com`;
  const password = "two-factor-password-123";
  await page.getByLabel("Email").fill(email);
  await page.locator('select[name="role"]').selectOption("admin");
  await page.getByRole("button", { name: "Create invitation" }).click();
  const link = ((await page.getByTestId("invite-link").textContent()) ?? "").trim();

  const ctx = await browser.newContext();
  const me = await ctx.newPage();
  await me.goto(link);
  await me.getByLabel(/Password/).fill(password);
  await me.getByRole("button", { name: "Join" }).click();
  await expect(me.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

  await me.getByRole("link", { name: "Security" }).click();
  await me.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(me.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = ((await me.getByTestId("totp-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const codeField = me.getByLabel("The 6-digit code your app shows now");
  await codeField.fill(await codeAt(secret, 0));
  await codeField.press("Enter");
  await expect(me.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await me.getByRole("button", { name: "I saved them" }).click();
  await expect(me.getByText("Two-factor sign-in is on")).toBeVisible();

  await me.getByRole("button", { name: "Log out" }).click();
  await expect(me).toHaveURL(/\/login$/);
  await me.getByLabel("Email").fill(email);
  await me.getByLabel(/^Password/).fill(password);
  await me.getByLabel(/^Password/).press("Enter");
  await expect(me.getByRole("heading", { level: 1, name: "Two-factor sign-in" })).toBeVisible();
  // The enrolment's time step is spent: the next step's code (one step of drift is accepted).
  const code = me.getByLabel(/Code from your authenticator app/);
  await expect(code).toBeFocused();
  await code.fill(await codeAt(secret, 30));
  await code.press("Enter");
  await expect(me.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await ctx.close();

  await page.goto("./audit?action=user.2fa-enrolled");
  await expect(page.locator('tr[data-action="user.2fa-enrolled"]', { hasText: email }).first()).toBeVisible();
});
