// The agent's web-config operations for one app: show what would be written (and what is on
// disk), and apply a rendered or given text with the validate → swap → reload → probe pipeline.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type AppSpec, err, ok, type Result, type WebServer, type WebTargets } from "../../lib/protocol";
import { renderWebConfig, snippetFileName } from "../render";
import { type ApplyTarget, applyWebConfig } from "./apply-web-config";
import { otherSiteProbes, siteProbe } from "./site-probes";
import { debianTarget } from "./web-targets";

export type { WebTargets } from "../../lib/protocol";
export { WebTargetsSchema } from "../../lib/protocol";

/**
 * The web server's config outlives every deployment, so `{release}` in what it passes to the app
 * (fastcgiParams) becomes `<deploy.root>/current`, which each deployment switches atomically.
 */
function forWebServer(spec: AppSpec): AppSpec {
  const root = spec.deploy?.root;
  if (!root) return spec;
  const fastcgiParams = Object.fromEntries(Object.entries(spec.fastcgiParams).map(([k, v]) => [k, v.replaceAll("{release}", `${root}/current`)]));
  return { ...spec, fastcgiParams };
}

function serverOf(spec: AppSpec, server?: WebServer): Result<WebServer> {
  const chosen = server ?? spec.web?.server;
  return chosen ? ok(chosen) : err("BAD_REQUEST", "This app has no `web` section: add one to its spec (server, serverName, listen, mount).");
}

function target(spec: AppSpec, server: WebServer, targets: WebTargets): ApplyTarget {
  return debianTarget(server, snippetFileName(spec.name, server), targets[server]);
}

export async function getWebConfig(template: AppSpec, targets: WebTargets, server?: WebServer) {
  const spec = forWebServer(template);
  const chosen = serverOf(spec, server);
  if (!chosen.ok) return chosen;
  const text = renderWebConfig(spec, chosen.value);
  if (!text.ok) return text;
  const t = target(spec, chosen.value, targets);
  const file = path.join(t.dir, t.fileName);
  const diskText = await readFile(file, "utf8").catch(() => null);
  return ok({ server: chosen.value, text: text.value, path: file, diskText });
}

/**
 * Renders (or takes `givenText`) and applies the app's file. `siblings`: the host's other apps,
 * whose sites on the same server must still answer afterwards.
 */
export async function applyAppWebConfig(template: AppSpec, targets: WebTargets, server?: WebServer, givenText?: string, siblings: readonly AppSpec[] = []) {
  const spec = forWebServer(template);
  const chosen = serverOf(spec, server);
  if (!chosen.ok) return chosen;
  let text = givenText;
  if (text === undefined) {
    const rendered = renderWebConfig(spec, chosen.value);
    if (!rendered.ok) return rendered;
    text = rendered.value;
  }
  const t = target(spec, chosen.value, targets);
  const probe = spec.web && spec.web.server === chosen.value ? siteProbe(spec) : null;
  const outcome = await applyWebConfig(t, text, probe, { others: otherSiteProbes(spec, siblings.map(forWebServer)) });
  return ok({ ...outcome, server: chosen.value, path: path.join(t.dir, t.fileName), text });
}

/**
 * Removes the app's file (deleting the app) through the same validate → swap → reload → verify
 * pipeline, so a config that broke the server does not outlive the app, and the server is started
 * again if it had stopped.
 */
export async function removeAppWebConfig(template: AppSpec, targets: WebTargets, siblings: readonly AppSpec[] = []) {
  const spec = forWebServer(template);
  const server = spec.web?.server;
  if (!server) return ok(null);
  const t = target(spec, server, targets);
  const outcome = await applyWebConfig(t, null, null, { others: otherSiteProbes(spec, siblings.map(forWebServer)) });
  return ok({ ...outcome, server, path: path.join(t.dir, t.fileName), text: "" });
}
