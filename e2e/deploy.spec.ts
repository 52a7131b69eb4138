// Deploying from the dashboard: an app built from a git repository with two tags (deploy v1, then
// v2 from the ref picker, see both in the history and v2 answering), and an app deployed from an
// uploaded .tar.gz.
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
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

test("deploys tags from the UI, shows the history, and the new version answers", async ({ page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-e2e-deploy-"));
  chmodSync(dir, 0o755);
  const repo = makeGitRepo(path.join(dir, "git"));
  repo.commit({ "app.mjs": appSource("v1") }, "First version", "v1");
  repo.commit({ "app.mjs": appSource("v2") }, "Second version: new prices", "v2");
  const root = path.join(dir, "srv");
  mkdirSync(root, { mode: 0o755 });

  await login(page);
  const hosts = (await (await page.request.get("api/v1/hosts")).json()) as { id: string }[];
  const created = await page.request.post("api/v1/apps", {
    headers: { "x-stoker-csrf": "1" },
    data: {
      name: "shop",
      hostId: hosts[0].id,
      command: [process.execPath, "{release}/app.mjs"],
      cwd: "{release}",
      processes: 2,
      socket: { path: path.join(process.env.E2E_DATA_DIR ?? "", "run", "shop.sock") },
      deploy: { root, source: { git: repo.bare, ref: "v1" }, keepReleases: 3, healthPath: "/" },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

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

  const answer = await page.request.post(`api/v1/apps/${id}/test-request`, { data: { method: "GET", path: "/" }, headers: { "x-stoker-csrf": "1" } });
  expect(((await answer.json()) as { body: string }).body).toContain("shop v2");
  await page.request.delete(`api/v1/apps/${id}`, { headers: { "x-stoker-csrf": "1" } });
});

test("uploads a .tar.gz release from the UI and the new version answers", async ({ page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-e2e-upload-"));
  chmodSync(dir, 0o755);
  const root = path.join(dir, "srv");
  mkdirSync(root, { mode: 0o755 });
  const archive = writeTarGz(path.join(dir, "shop-v3.tar.gz"), [{ path: "app.mjs", content: appSource("v3") }]);

  await login(page);
  const hosts = (await (await page.request.get("api/v1/hosts")).json()) as { id: string }[];
  const created = await page.request.post("api/v1/apps", {
    headers: { "x-stoker-csrf": "1" },
    data: {
      name: "uploaded-shop",
      hostId: hosts[0].id,
      command: [process.execPath, "{release}/app.mjs"],
      cwd: "{release}",
      processes: 1,
      socket: { path: path.join(process.env.E2E_DATA_DIR ?? "", "run", "uploaded-shop.sock") },
      deploy: { root, source: { archive: true }, keepReleases: 3, healthPath: "/" },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`./apps/${id}?tab=deploy`);
  const deploy = page.getByRole("button", { name: "Upload and deploy" });
  await expect(deploy).toBeDisabled(); // nothing chosen yet
  await page.getByLabel("Release archive").setInputFiles(archive);
  await expect(page.getByRole("region", { name: "Upload a release" })).toContainText(/\d+ B/); // its size, before it is sent
  await deploy.click();
  const history = page.getByRole("region", { name: "Deployment history" });
  await expect(history.locator('tr[data-status="succeeded"]')).toHaveCount(1, { timeout: 60_000 });
  await expect(history.locator("tr").first()).toContainText("upload");

  const answer = await page.request.post(`api/v1/apps/${id}/test-request`, { data: { method: "GET", path: "/" }, headers: { "x-stoker-csrf": "1" } });
  expect(((await answer.json()) as { body: string }).body).toContain("shop v3");
  await page.request.delete(`api/v1/apps/${id}`, { headers: { "x-stoker-csrf": "1" } });
});
