// Discover and import from the Hosts page, as a user with an app started the old way would: a
// spawn-fcgi + php-cgi process (php-cgi at its defaults) on a socket of its own is found on the host,
// imported behind a confirm, and shown RUNNING under Stoker with its pid unchanged (adopted, not
// restarted).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { isAlive } from "../agent/supervisor/proc-stats";
import { login } from "./helpers";

const csrf = { "x-stoker-csrf": "1" };
let legacy: ChildProcess;
let sock: string;


test.beforeAll(async () => {
  // In the agent's socket directory (this run's data dir), where an imported app's socket may live.
  const runDir = path.join(process.env.E2E_DATA_DIR ?? "", "run");
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  sock = path.join(runDir, "oldschool.sock");
  // -n: spawn-fcgi binds the socket, puts it on fd 0 and execs php-cgi in place (same pid).
  legacy = spawn("spawn-fcgi", ["-n", "-s", sock, "-M", "0660", "--", "/usr/bin/php-cgi"], { env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" } as Record<string, string> as NodeJS.ProcessEnv, stdio: "ignore" });
  const until = Date.now() + 10_000;
  while (!existsSync(sock) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect(existsSync(sock), "spawn-fcgi's socket").toBe(true);
});

test.afterAll(() => {
  if (legacy?.pid && isAlive(legacy.pid)) legacy.kill("SIGKILL");
});

test("Discover on a host finds an app started the old way, and Import adopts it RUNNING with its pid unchanged", async ({ page }) => {
  const pid = legacy.pid as number;
  await login(page);
  await page.goto("./hosts");
  await page.getByRole("button", { name: /^Discover apps on / }).first().click();
  const dialog = page.getByRole("dialog");
  const candidate = dialog.getByTestId("discovery-candidate").filter({ hasText: `unix:${sock}` });
  await expect(candidate).toHaveCount(1, { timeout: 30_000 });
  await expect(candidate).toContainText(`running: pid ${pid}`);
  await expect(candidate.getByTestId("discovery-source")).toContainText("fd 0");
  await expect(candidate).toContainText("/usr/bin/php-cgi");
  await page.screenshot({ path: test.info().outputPath("discover.png"), fullPage: true });

  await candidate.getByRole("button", { name: /^Import / }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`process ${pid}`);
  await confirm.getByRole("button", { name: "Import", exact: true }).click();

  await expect(page).toHaveURL(/\/apps\/[^/?]+/, { timeout: 30_000 });
  const id = page.url().split("/apps/")[1]?.split(/[?#]/)[0];
  try {
    await expect(page.getByRole("heading", { level: 1 })).toContainText("oldschool", { timeout: 15_000 });
    await expect(page.locator("tr[data-state=RUNNING]")).toHaveCount(1, { timeout: 30_000 });
    await expect(page.getByTestId("pid").first()).toHaveText(String(pid));
    expect(isAlive(pid)).toBe(true); // taken over, not restarted
    // Discovering again no longer lists it: Stoker runs it now.
    const again = (await (await page.request.post(`./api/v1/hosts/${await hostIdOf(page, id as string)}/discovery`, { headers: csrf })).json()) as { candidates: { spec: { socket?: { path?: string } } }[] };
    expect(again.candidates.some((c) => c.spec.socket?.path === sock)).toBe(false);
  } finally {
    await page.request.delete(`./api/v1/apps/${id}`, { headers: csrf });
  }
});

async function hostIdOf(page: Page, appId: string): Promise<string> {
  const app = (await (await page.request.get(`./api/v1/apps/${appId}`)).json()) as { host: { id: string } };
  return app.host.id;
}
