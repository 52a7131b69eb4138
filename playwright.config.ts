// Browser tests against the real stack (scripts/start.mjs: control plane + agent + demo app),
// in Debian's Chromium. The port and data dir go through process.env so workers agree on them.
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

process.env.E2E_PORT ??= String(20000 + Math.floor(Math.random() * 20000));
if (!process.env.E2E_DATA_DIR) {
  process.env.E2E_DATA_DIR = mkdtempSync(path.join(tmpdir(), "stoker-e2e-"));
  chmodSync(process.env.E2E_DATA_DIR, 0o755); // web-server workers (www-data) must reach the app sockets inside
}
const port = Number(process.env.E2E_PORT);

export default defineConfig({
  testDir: "./e2e",
  reporter: "list",
  workers: 1,
  // As vitest.config.ts: on CI a failed test runs once more and the list reporter marks it "flaky".
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
    trace: "retain-on-failure",
  },
  webServer: {
    command: "node scripts/start.mjs",
    url: `http://127.0.0.1:${port}/api/v1/health`,
    timeout: 180_000,
    env: {
      PORT: String(port),
      STOKER_DATA_DIR: process.env.E2E_DATA_DIR,
      STOKER_ADMIN_EMAIL: "admin@example.com",
      STOKER_ADMIN_PASSWORD: "correct-horse-battery-staple",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    reuseExistingServer: false,
  },
});
