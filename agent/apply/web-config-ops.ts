// The agent's web-config operations for one app: show what would be written (and what is on
// disk), and apply a rendered or given text with the validate → swap → reload → probe pipeline.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as z from "zod";
import { type AppSpec, err, ok, type Result, type WebServer } from "../../lib/protocol";
import { renderWebConfig, snippetFileName } from "../render";
import { type ApplyTarget, applyWebConfig, debianTarget } from "./apply-web-config";

const TargetSchema = z.strictObject({
  dir: z.string().startsWith("/").optional(),
  validateArgv: z.array(z.string().min(1)).min(1).optional(),
  reloadArgv: z.array(z.string().min(1)).min(1).optional(),
  settleMs: z.number().int().min(0).max(10_000).optional(),
});
/** Per-server overrides of the Debian defaults (agent config / STOKER_WEB_TARGETS as JSON). */
export const WebTargetsSchema = z.strictObject({ nginx: TargetSchema.optional(), lighttpd: TargetSchema.optional(), apache: TargetSchema.optional() });
export type WebTargets = z.infer<typeof WebTargetsSchema>;

/**
 * The targets in force: the agent's configured ones, overridden by `<state>/web-targets.json` when
 * present (re-read on every use, so an operator can point the agent at another server without a restart).
 */
export function webTargetsFor(stateDir: string, configured: WebTargets): WebTargets {
  try {
    const file = WebTargetsSchema.safeParse(JSON.parse(readFileSync(path.join(stateDir, "web-targets.json"), "utf8")));
    return file.success ? { ...configured, ...file.data } : configured;
  } catch {
    return configured;
  }
}

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

export async function applyAppWebConfig(template: AppSpec, targets: WebTargets, server?: WebServer, givenText?: string) {
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
  const web = spec.web;
  const listen = web ? String(web.listen) : "80";
  const hostPort = listen.includes(":") ? listen : `127.0.0.1:${listen}`;
  const mount = web?.mount ?? "/";
  const outcome = await applyWebConfig(t, text, {
    url: `http://${hostPort}${mount === "/" ? "/" : `${mount}/`}`,
    host: web?.serverName,
    timeoutMs: 5000,
    // 421 means another site (the default server) answered: the request never reached this app.
    healthy: (status) => status < 500 && status !== 421,
  });
  return ok({ ...outcome, server: chosen.value, path: path.join(t.dir, t.fileName), text });
}
