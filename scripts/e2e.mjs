// `npm run test:e2e`: build the dashboard if needed (start.mjs does), then run Playwright.
import { spawnSync } from "node:child_process";

const r = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
process.exit(r.status ?? 1);
