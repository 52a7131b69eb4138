// The control plane stores an app's spec as a template (with `{release}`); the agent runs the
// template resolved against the live release. Resolving the same way as a deployment does keeps
// a control-plane sync from restarting an app that a deployment just switched.
import type { AppSpec } from "../../lib/protocol";
import { currentRelease, releaseLayout } from "./releases";
import { usesRelease } from "./resolve-release";
import { specForRelease } from "./switch-release";

/** The concrete spec to run now, or null while a release-based app waits for its first deployment. */
export function liveSpec(template: AppSpec): AppSpec | null {
  if (!template.deploy) return template;
  const layout = releaseLayout(template.deploy.root);
  const current = currentRelease(layout);
  if (!current) return usesRelease(template) ? null : template;
  try {
    return specForRelease(template, layout, current);
  } catch {
    return usesRelease(template) ? null : template; // `current` points at a release that vanished
  }
}
