// The guided New-app form, as a new user would use it: pick a script on the host in the agent's
// file browser, let the agent propose the rest, check it live on the host, peek at the JSON, create
// it, and see it RUNNING and answering a test request. A flup-style Python script and a PHP app.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { login } from "./helpers";

const FIXTURE = path.resolve(import.meta.dirname, "../examples/apps/flup/threaded.fcgi");
const csrf = { "x-stoker-csrf": "1" };
let dir: string;

test.beforeAll(() => {
  // Readable by www-data (the form's default user): a temp dir is 0700.
  dir = mkdtempSync(path.join(tmpdir(), "stoker-e2e-guided-"));
  chmodSync(dir, 0o755);
  // flup cannot be installed here: a stand-in package beside the script gives `from flup.server.fcgi
  // import WSGIServer` the same behaviour (Stoker's flup-like fixture server).
  mkdirSync(path.join(dir, "flup", "server"), { recursive: true });
  writeFileSync(path.join(dir, "flup", "__init__.py"), "");
  writeFileSync(path.join(dir, "flup", "server", "__init__.py"), "");
  writeFileSync(
    path.join(dir, "flup", "server", "fcgi.py"),
    [
      "import importlib.machinery, importlib.util, os",
      `_spec = importlib.util.spec_from_loader("threaded", importlib.machinery.SourceFileLoader("threaded", ${JSON.stringify(FIXTURE)}))`,
      "class WSGIServer:",
      "    def __init__(self, application, bindAddress=None):",
      "        self.application, self.bind = application, bindAddress",
      "    def run(self):",
      "        server = importlib.util.module_from_spec(_spec)",
      "        _spec.loader.exec_module(server)",
      "        server.app = self.application",
      "        if self.bind: os.environ['BIND_ADDRESS'] = self.bind",
      "        server.main()",
      "",
    ].join("\n"),
  );
  writeFileSync(
    path.join(dir, "app.fcgi"),
    [
      "#!/usr/bin/python3",
      "from flup.server.fcgi import WSGIServer",
      "",
      "def app(environ, start_response):",
      "    start_response('200 OK', [('Content-Type', 'text/plain')])",
      "    return [b'hello from the guided flup app\\n']",
      "",
      "WSGIServer(app).run()",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  mkdirSync(path.join(dir, "site"));
  writeFileSync(path.join(dir, "site", "index.php"), '<?php echo "hello from guided php ", PHP_VERSION, "\\n";\n');
  for (const d of [path.join(dir, "flup"), path.join(dir, "flup", "server"), path.join(dir, "site")]) chmodSync(d, 0o755);
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function createThroughForm(page: Page, name: string, scriptDir: string, scriptName: string) {
  await login(page);
  await page.getByRole("button", { name: "New app" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("User").fill("www-data");
  // The browser opens at the directory typed so far; the file is picked from what www-data can read.
  await dialog.getByLabel("Script", { exact: true }).fill(`${scriptDir}/`);
  await dialog.getByRole("button", { name: "Browse" }).click();
  const browser = dialog.getByTestId("file-browser");
  await expect(browser).toContainText("as www-data");
  await browser.getByRole("button", { name: scriptName }).click();
  await expect(dialog.getByLabel("Script", { exact: true })).toHaveValue(`${scriptDir}/${scriptName}`);
  await expect(dialog.getByTestId("proposal-notes")).toBeVisible();
  // The socket goes in this run's data dir (the proposal's /run/stoker is shared by the machine).
  await dialog.getByLabel("Socket path").fill(path.join(process.env.E2E_DATA_DIR ?? "", "run", `${name}.sock`));
  await dialog.getByRole("button", { name: "Check" }).click();
  await expect(dialog.getByTestId("check-ok")).toBeVisible({ timeout: 15_000 });
  return dialog;
}

async function expectRunningAndServing(page: Page, name: string, answer: RegExp) {
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name, { timeout: 15_000 });
  await expect(page.locator("tr[data-state=RUNNING]").first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: "Test request" }).click();
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("test-response")).toContainText(answer, { timeout: 15_000 });
  const id = page.url().split("/apps/")[1]?.split(/[?#]/)[0];
  // Leave the other browser tests the demo app alone.
  const del = await page.request.delete(`./api/v1/apps/${id}`, { headers: csrf });
  expect(del.status()).toBeLessThan(300);
}

test("a flup-style .fcgi script: interpreter from the shebang, the agent's socket as fd 0, RUNNING and serving", async ({ page }) => {
  const dialog = await createThroughForm(page, "guided-flup", dir, "app.fcgi");
  await expect(dialog.getByLabel("Runtime")).toHaveValue("python-flup");
  await expect(dialog.getByLabel("Command")).toHaveValue(`/usr/bin/python3\n${dir}/app.fcgi`);
  await expect(dialog.getByLabel("Working directory")).toHaveValue(dir);
  await expect(dialog.getByLabel("Socket binding")).toHaveValue("agent");
  await expect(dialog.getByTestId("proposal-notes")).toContainText("fd 0");
  await page.screenshot({ path: test.info().outputPath("new-app-form.png"), fullPage: true });
  // JSON is one click away, with the same spec; and back.
  await dialog.getByRole("tab", { name: "JSON" }).click();
  await expect(dialog.getByTestId("json-spec-editor")).toContainText('"guided-flup"');
  await page.screenshot({ path: test.info().outputPath("new-app-json.png") });
  await dialog.getByRole("tab", { name: "Form" }).click();
  await expect(dialog.getByLabel("Name")).toHaveValue("guided-flup");
  await dialog.getByRole("button", { name: "Create and start" }).click();
  await expectRunningAndServing(page, "guided-flup", /hello from the guided flup app/);
});

test("a PHP app: php-cgi with SCRIPT_FILENAME set to the picked file, RUNNING and serving", async ({ page }) => {
  const dialog = await createThroughForm(page, "guided-php", path.join(dir, "site"), "index.php");
  await expect(dialog.getByLabel("Runtime")).toHaveValue("php-cgi");
  await expect(dialog.getByLabel("Command")).toHaveValue(/\/php-cgi$/);
  await expect(dialog.getByLabel("SCRIPT_FILENAME")).toHaveValue(path.join(dir, "site", "index.php"));
  await dialog.getByRole("button", { name: "Create and start" }).click();
  await expectRunningAndServing(page, "guided-php", /hello from guided php 8\./);
});

test("the JSON editor knows the spec's schema: an unknown value is underlined before anything is sent", async ({ page }) => {
  await login(page);
  await page.getByRole("button", { name: "New app" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "JSON" }).click();
  const editor = dialog.getByLabel("New app spec (JSON)");
  await editor.click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText('{"name": "x", "processes": "two"}');
  await expect(dialog.locator(".cm-lintRange-error").first()).toBeVisible({ timeout: 10_000 });
});
