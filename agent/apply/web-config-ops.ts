// The agent's web-config operations for one app's SITE (the apps sharing its server, serverName and
// listen, lib/protocol/site.ts): show the site's file as it would be written (and what is on disk),
// and apply or remove it with the validate → swap → reload → probe pipeline.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { type AcmeSpec, type AppSpec, err, legacyAppFileName, ok, type Result, type Site, siteOf, type WebServer, type WebTargets } from "../../lib/protocol";
import { renderSite } from "../render";
import { acmePaths, ensurePlaceholder, obtainCertificate } from "./acme";
import { type ApplyOutcome, type ApplyTarget, applyWebConfig } from "./apply-web-config";
import { reloadOrStart } from "./server-commands";
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

/** The app's site among the apps of this host (`siblings`), with `{release}` resolved for the web server. */
function siteFor(template: AppSpec, siblings: readonly AppSpec[], server?: WebServer): Result<Site> {
  const chosen = server ?? template.web?.server;
  const site = chosen ? siteOf(forWebServer(template), siblings.map(forWebServer), chosen) : null;
  return site ? ok(site) : err("BAD_REQUEST", "This app has no `web` section: add one to its spec (server, serverName, listen, mount).");
}

function target(site: Site, targets: WebTargets): ApplyTarget {
  return debianTarget(site.server, site.fileName, targets[site.server]);
}

/**
 * Every path the site's file names exists (issue #16: the file is self-contained): the log
 * directory, and for web.tls.acme the challenge webroot and a placeholder certificate until the CA
 * answers (the servers refuse a TLS site whose files are missing). The document root and given
 * certificate files are the user's, checked when the app is saved (web-paths.ts).
 */
async function ensureSitePaths(site: Site, t: ApplyTarget, acmeStateDir?: string): Promise<Result<void>> {
  if (t.siteLogDir) await mkdir(t.siteLogDir, { recursive: true }).catch(() => undefined);
  if (!acmeStateDir || !site.apps[0]?.web?.tls?.acme) return ok(undefined);
  const placeholder = await ensurePlaceholder(acmePaths(acmeStateDir, site.serverName), site.serverName);
  return placeholder.ok ? ok(undefined) : placeholder;
}

/** The paths of the app's site exist once the app does (called when the agent takes the app). */
export async function prepareSitePaths(template: AppSpec, targets: WebTargets, siblings: readonly AppSpec[], acmeStateDir: string): Promise<Result<void>> {
  const site = siteFor(template, siblings, template.web?.server);
  if (!site.ok) return ok(undefined);
  return ensureSitePaths(site.value, target(site.value, targets), acmeStateDir);
}

/** The whole file of the app's site as rendered now, and the file on disk. */
export async function getWebConfig(template: AppSpec, targets: WebTargets, server?: WebServer, siblings: readonly AppSpec[] = [], acmeStateDir?: string) {
  const site = siteFor(template, siblings, server);
  if (!site.ok) return site;
  const t = target(site.value, targets);
  const text = renderSite(site.value, { logDir: t.siteLogDir, acmeStateDir });
  if (!text.ok) return text;
  const paths = await ensureSitePaths(site.value, t, acmeStateDir);
  if (!paths.ok) return paths;
  const file = path.join(t.dir, t.fileName);
  const diskText = await readFile(file, "utf8").catch(() => null);
  return ok({ server: site.value.server, text: text.value, path: file, diskText });
}

/**
 * Renders (or takes `givenText`) and applies the file of the app's site. `siblings`: the host's
 * other apps: those on the same site are in the file, and every site on the server must still answer.
 */
export async function applyAppWebConfig(template: AppSpec, targets: WebTargets, server?: WebServer, givenText?: string, siblings: readonly AppSpec[] = [], acmeStateDir?: string) {
  const site = siteFor(template, siblings, server);
  if (!site.ok) return site;
  const t = target(site.value, targets);
  let text = givenText;
  if (text === undefined) {
    const rendered = renderSite(site.value, { logDir: t.siteLogDir, acmeStateDir });
    if (!rendered.ok) return rendered;
    text = rendered.value;
  }
  const paths = await ensureSitePaths(site.value, t, acmeStateDir);
  if (!paths.ok) return paths;
  const acme = site.value.apps[0]?.web?.tls?.acme;
  const spec = forWebServer(template);
  const probe = spec.web && spec.web.server === site.value.server ? siteProbe(spec) : null;
  // Member apps' files from before sites (one per app) go in the same swap: both would be served.
  const replaces = site.value.apps.map((a) => legacyAppFileName(a.name, site.value.server));
  const applied = await applyWebConfig(t, text, probe, { others: otherSiteProbes(spec, siblings.map(forWebServer)), replaces });
  const outcome = acme && acmeStateDir && applied.ok ? await withAcmeCertificate(applied, t, site.value.serverName, acme, acmeStateDir) : applied;
  return ok({ ...outcome, server: site.value.server, path: path.join(t.dir, t.fileName), text });
}

/**
 * With the site live (its plain-HTTP port serving the challenge webroot), certbot obtains the
 * certificate (or keeps the one not yet due) and the server reloads to serve it. A failure leaves
 * the site on the placeholder certificate, and the apply says so.
 */
async function withAcmeCertificate(applied: ApplyOutcome, t: ApplyTarget, serverName: string, acme: AcmeSpec, stateDir: string): Promise<ApplyOutcome> {
  const got = await obtainCertificate({ stateDir, serverName, acme });
  if (!got.ok) return { ...applied, ok: false, message: `The config is live, but with a placeholder certificate: ${got.message}` };
  const reload = await reloadOrStart(t, 30_000);
  if (reload.code !== 0) return { ...applied, ok: false, message: `The certificate was obtained, but the reload that serves it failed: ${reload.output.trim().slice(-500)}` };
  return { ...applied, message: `${applied.message} The certificate for ${serverName} was obtained over ACME and is served.` };
}

/**
 * Takes the app out of its site (deleting the app) through the same validate → swap → reload →
 * verify pipeline: the site's file is rendered again with the other apps, or removed with the last
 * one, so a config that broke the server does not outlive the app.
 */
export async function removeAppWebConfig(template: AppSpec, targets: WebTargets, siblings: readonly AppSpec[] = [], acmeStateDir?: string) {
  const site = siteFor(template, siblings, template.web?.server);
  if (!site.ok) return ok(null);
  const spec = forWebServer(template);
  const rest = site.value.apps.filter((a) => a.name !== spec.name);
  const t = target(site.value, targets);
  let text: string | null = null;
  if (rest.length) {
    const rendered = renderSite({ ...site.value, apps: rest }, { logDir: t.siteLogDir, acmeStateDir });
    if (!rendered.ok) return rendered;
    text = rendered.value;
  }
  const probe = rest[0] ? siteProbe(rest[0]) : null;
  const replaces = [legacyAppFileName(spec.name, site.value.server)];
  const outcome = await applyWebConfig(t, text, probe, { others: otherSiteProbes(spec, siblings.map(forWebServer)), replaces });
  return ok({ ...outcome, server: site.value.server, path: path.join(t.dir, t.fileName), text: text ?? "" });
}
