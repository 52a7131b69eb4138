// Editing a running app in the same guided form as "New app": one field changed in the form, checked
// live on the host, saved as the next revision, and the processes follow; JSON is one click away with
// the same spec. A throwaway app is created for this (other browser tests share the demo app).
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

type App = { id: string; name: string; revision: number; spec: Record<string, unknown> & { socket: Record<string, unknown>; env: Record<string, unknown> }; processes: { pid: number; state: string }[] };
const csrf = { "x-stoker-csrf": "1" };

test("edits one field of a running app in the form: checked on the host, saved as the next revision", async ({ page }) => {
  await login(page);
  const list = (await (await page.request.get("./api/v1/apps")).json()) as App[];
  const demo = list.find((a) => a.name === "demo") as App;
  const socketPath = String(demo.spec.socket.path).replace(/demo\.sock$/, "edited.sock");
  const spec = { ...demo.spec, name: "edited", processes: 1, socket: { ...demo.spec.socket, path: socketPath }, env: { ...demo.spec.env, API_KEY: { secret: "s3cret-value" } } };
  const created = await page.request.post("./api/v1/apps", { headers: csrf, data: spec });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const before = (await (await page.request.get(`./api/v1/apps/${id}`)).json()) as App;
  try {
    await page.goto(`./apps/${id}`);
    await expect(page.locator("tr[data-state=RUNNING]")).toHaveCount(1, { timeout: 30_000 });
    await expect(page.getByText(/· revision 1$/)).toBeVisible();
    await page.getByRole("tab", { name: "Spec" }).click();

    // The saved spec fills the form; the name and host cannot change.
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue("edited");
    await expect(page.getByLabel("Name", { exact: true })).toBeDisabled();
    await expect(page.getByLabel("Socket path")).toHaveValue(socketPath);
    await expect(page.getByRole("spinbutton", { name: "Processes" })).toHaveValue("1");
    await page.getByRole("spinbutton", { name: "Processes" }).fill("2");

    // A bad value is refused by the host's check, by field, before anything is saved.
    const command = page.getByLabel("Command");
    const argv = await command.inputValue();
    await command.fill(argv.replace(/^[^\n]*/, "no-such-program-xyz"));
    await page.getByRole("button", { name: "Check" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "command.0" })).toContainText("no-such-program-xyz", { timeout: 15_000 });
    await command.fill(argv);
    await page.getByRole("button", { name: "Check" }).click();
    await expect(page.getByTestId("check-ok")).toBeVisible({ timeout: 15_000 });

    // The JSON view shows the same document: the edit, and what the form has no field for (env, the secret as set).
    await page.getByRole("tab", { name: "JSON" }).click();
    const json = page.getByTestId("json-spec-editor");
    await expect(json).toContainText('"processes": 2');
    await expect(json).toContainText('"API_KEY"');
    await expect(json).not.toContainText("s3cret-value");
    await page.screenshot({ path: test.info().outputPath("edit-json.png"), fullPage: true });
    await page.getByRole("tab", { name: "Form" }).click();
    await expect(page.getByRole("spinbutton", { name: "Processes" })).toHaveValue("2");
    await page.screenshot({ path: test.info().outputPath("edit-form.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: test.info().outputPath("edit-form-dark.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: test.info().outputPath("edit-form-phone.png"), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1); // the form fits a phone's width
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: "light" });

    await page.getByRole("button", { name: "Save and apply" }).click();
    await expect(page.getByText("Saved revision 2")).toBeVisible({ timeout: 30_000 });
    await page.getByRole("tab", { name: "Processes" }).click();
    await expect(page.locator("tr[data-state=RUNNING]")).toHaveCount(2, { timeout: 30_000 });
    // The header follows the save without a reload (it kept "revision 1 saved, 2 running" once), and after one.
    await expect(page.getByText(/· revision 2$/)).toBeVisible({ timeout: 15_000 });
    await page.reload();
    await expect(page.getByText(/· revision 2$/)).toBeVisible({ timeout: 15_000 });

    const after = (await (await page.request.get(`./api/v1/apps/${id}`)).json()) as App;
    expect(after.revision).toBe(2);
    // Exactly the edited field changed (the secret kept its stored value, still shown only as set).
    expect(after.spec).toEqual({ ...before.spec, processes: 2 });
    expect(after.spec.env.API_KEY).toEqual({ secret: { set: true } });
    const audit = (await (await page.request.get("./api/v1/audit?action=app.updated")).json()) as { events: { target: string; after: { envChanged?: string[] } }[] };
    expect(audit.events[0].target).toBe("app:edited");
    expect(audit.events[0].after.envChanged).toEqual([]);
  } finally {
    await page.request.delete(`./api/v1/apps/${id}`, { headers: csrf });
  }
});
