// What a new generation of an app's processes is started with: the launch plan (php-fpm's written
// pool config for an fpm app) and how many processes it starts.
import { type DesiredApp, err, ok, processRange, type Result } from "../../lib/protocol";
import { fpmPlan } from "../fpm/fpm-launch";
import { type LaunchPlan, planLaunch } from "./launch-plan";

export function planGeneration(desired: DesiredApp, socketDirs: string[], stateDir: string): Result<LaunchPlan> {
  const plan = planLaunch(desired.spec, socketDirs, { purpose: "app", rootApproved: desired.rootApproved });
  if (!plan.ok || !desired.spec.fpm) return plan;
  try {
    return ok(fpmPlan(plan.value, desired, stateDir));
  } catch (e) {
    return err("FAILED", `Cannot write the php-fpm configuration: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * How many processes a new generation starts: a fixed count, or for a dynamic one as many as
 * run now (`live`: a restart keeps the capacity the load asked for), within min..max.
 */
export function processCount(desired: DesiredApp, live: number): number {
  if (desired.spec.socket.bind === "app") return 1;
  const range = processRange(desired.spec.processes);
  if (!range.dynamic) return range.min;
  return Math.min(range.max, Math.max(range.min, live));
}
