// Which spec changes replace an app's processes. Only what a process is started with counts:
// `web` (rendered web-server config) and `deploy` (how releases are built; its effect on the
// processes arrives through the resolved command/cwd/env) never restart anything.
import type { AppSpec } from "../../lib/protocol";

function processPart(spec: AppSpec): Omit<AppSpec, "web" | "deploy"> {
  const { web: _web, deploy: _deploy, ...rest } = spec;
  return rest;
}

/** True if running processes must be replaced to run `next` instead of `current`. */
export function needsNewProcesses(current: AppSpec, next: AppSpec): boolean {
  return JSON.stringify(processPart(current)) !== JSON.stringify(processPart(next));
}
