// Deploying from the dashboard: an app built from a git repository with two tags (deploy v1, then
// v2 from the ref picker, see both in the history and v2 answering), and an app deployed from an
// uploaded .tar.gz.
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { makeGitRepo } from "../agent/deploy/testing/git-fixture";
import { writeTarGz } from "../agent/deploy/testing/make-tar";
import { login } from "./helpers";

const FASTCGI = path.resolve("node_modules/node-fastcgi");
const appSource = (version: string) => `import { createRequire } from "node:module";
const fcgi = createRequire(import.meta.url)(${JSON.stringify(FASTCGI)});
const server = fcgi.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("shop ${version} pid=" + process.pid + "\\n");
});
server.listen({ fd: 0 });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/** A temp dir (readable by the app's user) with an empty deploy root in it. */
function deployRoot(prefix: string): { dir: string; root: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const root = path.join(dir, "srv");
  mkdirSync(root, { mode: 0o755 });
  return { dir, root };
}

/** Creates a deployable node-fastcgi app on the local agent; returns its id. */
async function createApp(page: Page, name: string, processes: number, deploy: Record<string, unknown>): Promise<string> {
  const hosts = (await (await page.request.get("api/v1/hosts")).json()) as { id: string }[];
  const created = await page.request.post("api/v1/apps", {
    headers: { "x-stoker-csrf": "1" },
    data: {
      name,
      hostId: hosts[0].id,
      command: [process.execPath, "{release}/app.mjs"],
      cwd: "{release}",
      processes,
      socket: { path: path.join(process.env.E2E_DATA_DIR ?? "", "run", `${name}.sock`) },
      ...(process.getuid?.() === 0 ? { user: "root" } : {}), // an omitted user never means root; the owner approves it
      deploy: { keepReleases: 3, healthPath: "/", ...deploy },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

/** What the live release answers, straight from its socket; then the app is removed. */
async function answerAndRemove(page: Page, id: string): Promise<string> {
  const answer = await page.request.post(`api/v1/apps/${id}/test-request`, { data: { method: "GET", path: "/" }, headers: { "x-stoker-csrf": "1" } });
  const body = ((await answer.json()) as { body: string }).body;
  await page.request.delete(`api/v1/apps/${id}`, { headers: { "x-stoker-csrf": "1" } });
  return body;
}

test("deploys tags from the UI, shows the history, and the new version answers", async ({ page }) => {
  const { dir, root } = deployRoot("stoker-e2e-deploy-");
  const repo = makeGitRepo(path.join(dir, "git"));
  repo.commit({ "app.mjs": appSource("v1") }, "First version", "v1");
  repo.commit({ "app.mjs": appSource("v2") }, "Second version: new prices", "v2");

  await login(page);
  const id = await createApp(page, "shop", 2, { root, source: { git: repo.bare, ref: "v1" } });

  await page.goto(`./apps/${id}?tab=deploy`);
  const refs = page.getByLabel("Ref");
  await expect(refs.locator("option", { hasText: "v2" })).toHaveCount(1, { timeout: 15_000 });
  await refs.selectOption("v1");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const history = page.getByRole("region", { name: "Deployment history" });
  await expect(history.locator('tr[data-status="succeeded"]')).toHaveCount(1, { timeout: 60_000 });

  await refs.selectOption("v2");
  await expect(page.getByRole("region", { name: "Commits to deploy" })).toContainText("Second version: new prices");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(history.locator('tr[data-status="succeeded"]')).toHaveCount(2, { timeout: 60_000 });
  await expect(history.locator("tr").first()).toContainText("v2");
  await expect(history.locator("tr").first()).toContainText("Second version: new prices");

  expect(await answerAndRemove(page, id)).toContain("shop v2");
});

test("uploads a .tar.gz release from the UI and the new version answers", async ({ page }) => {
  const { dir, root } = deployRoot("stoker-e2e-upload-");
  const archive = writeTarGz(path.join(dir, "shop-v3.tar.gz"), [{ path: "app.mjs", content: appSource("v3") }]);

  await login(page);
  const id = await createApp(page, "uploaded-shop", 1, { root, source: { archive: true } });

  await page.goto(`./apps/${id}?tab=deploy`);
  const deploy = page.getByRole("button", { name: "Upload and deploy" });
  await expect(deploy).toBeDisabled(); // nothing chosen yet
  await page.getByLabel("Release archive").setInputFiles(archive);
  await expect(page.getByRole("region", { name: "Upload a release" })).toContainText(/\d+ B/); // its size, before it is sent
  await deploy.click();
  const history = page.getByRole("region", { name: "Deployment history" });
  await expect(history.locator('tr[data-status="succeeded"]')).toHaveCount(1, { timeout: 60_000 });
  await expect(history.locator("tr").first()).toContainText("upload");

  expect(await answerAndRemove(page, id)).toContain("shop v3");
});
