// Which site logs the agent follows (error logs, and access logs for metrics): one per site of
// this host's apps whose server has a siteLogDir, named by the site module (siteErrorLog), with the
// site's apps and their mounts to attribute lines to; on lighttpd also one error log per mount
// (mountErrorLog), whose lines are that app's.
import { type AppSpec, type DesiredApp, mountErrorLog, siteAccessLog, sitesOf, siteErrorLog, type WebTargets } from "../../lib/protocol";
import type { SiteAccessLog } from "../metrics/access-logs";
import type { SiteLog } from "../logs/webserver-log-watcher";
import { debianTarget } from "./web-targets";

export function siteLogsOf(apps: readonly Pick<DesiredApp, "appId" | "spec">[], targets: WebTargets): SiteLog[] {
  const idOf = new Map(apps.map((a) => [a.spec.name, a.appId]));
  return sitesOf(apps.map((a) => a.spec as AppSpec)).flatMap((site) => {
    const dir = debianTarget(site.server, site.fileName, targets[site.server]).siteLogDir;
    if (!dir) return [];
    const mounts = site.apps.flatMap((a) => {
      const appId = idOf.get(a.name);
      return appId ? [{ appId, mount: a.web.mount, name: a.name }] : [];
    });
    if (!mounts.length) return [];
    const appIds = mounts.map((m) => m.appId);
    const siteLog: SiteLog = { file: siteErrorLog(site, dir), server: site.server, appIds, mounts: mounts.map(({ appId, mount }) => ({ appId, mount })) };
    if (site.server !== "lighttpd") return [siteLog];
    const own = mounts.map((m): SiteLog => ({ file: mountErrorLog(site, m.name, dir), server: site.server, appIds: [m.appId], mounts: [{ appId: m.appId, mount: m.mount }] }));
    return [siteLog, ...own];
  });
}

/** The access log of each site of this host's apps whose server has a siteLogDir, with its apps by name. */
export function siteAccessLogsOf(apps: readonly Pick<DesiredApp, "appId" | "spec">[], targets: WebTargets): SiteAccessLog[] {
  const idOf = new Map(apps.map((a) => [a.spec.name, a.appId]));
  return sitesOf(apps.map((a) => a.spec as AppSpec)).flatMap((site) => {
    const dir = debianTarget(site.server, site.fileName, targets[site.server]).siteLogDir;
    if (!dir) return [];
    const appIds = new Map(site.apps.flatMap((a) => (idOf.has(a.name) ? [[a.name, idOf.get(a.name) ?? ""] as [string, string]] : [])));
    return appIds.size ? [{ file: siteAccessLog(site, dir), appIds }] : [];
  });
}
