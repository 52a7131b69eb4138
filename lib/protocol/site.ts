// What a site is (DESIGN decision 8): the apps that share a web server, a host name and a listen
// address. A site is one file (one nginx server {}, one lighttpd conditional, one Apache
// <VirtualHost>) with a mount per app. Renderers, the apply pipeline and the API all ask here.
import type { AppSpec } from "./app-spec";
import { listenParts, type WebServer, type WebSpec } from "./web-spec";

/** Where a site answers. `host` null means every address (a bare port, or 0.0.0.0). */
export type SiteAddress = { server: WebServer; serverName: string; host: string | null; port: number };

/** An app that has a web section (the only kind a site can hold). */
export type WebApp = AppSpec & { web: WebSpec };

export type Site = SiteAddress & {
  /** Stable identity, e.g. "nginx localhost *:8080". Two apps with the same key are one site. */
  key: string;
  /** The file the site is written to in the server's include directory. */
  fileName: string;
  /** Member apps, sorted by name (so the rendered file does not depend on list order). */
  apps: WebApp[];
};

/** The address of an app's site; `server` overrides the spec's own web server (e.g. ?server=). */
export function siteAddress(web: WebSpec, server: WebServer = web.server): SiteAddress {
  const { host, port } = listenParts(web.listen);
  // `listen 80` and `listen 0.0.0.0:80` are the same listening socket to every server.
  return { server, serverName: web.serverName, host: host === "0.0.0.0" ? null : host, port };
}

export function siteKey(a: SiteAddress): string {
  return `${a.server} ${a.serverName} ${a.host ?? "*"}:${a.port}`;
}

/**
 * The site's file name: only host-name and IPv4 characters, so it is always a safe file name.
 * lighttpd's Debian layout orders conf-enabled by prefix; 90- puts sites after the modules.
 */
export function siteFileName(a: SiteAddress): string {
  const base = `stoker-site-${a.serverName}-${a.host ? `${a.host}-` : ""}${a.port}.conf`;
  return a.server === "lighttpd" ? `90-${base}` : base;
}

/**
 * The site's own error log in `logDir` (a target's siteLogDir, e.g. /var/log/nginx): each server
 * writes there what concerns this site only, so the agent attributes lines that name no socket
 * (lighttpd's and Apache's) to the site's apps. Named like the site's file.
 */
export function siteErrorLog(a: SiteAddress, logDir: string): string {
  return `${logDir.replace(/\/+$/, "")}/${siteFileName(a).replace(/^90-/, "").replace(/\.conf$/, "")}.error.log`;
}

/**
 * The site's access log in `logDir`, in the one format every renderer writes (one line per request:
 * app, status, request time; agent/metrics/access-line.ts), which the agent follows for metrics.
 */
export function siteAccessLog(a: SiteAddress, logDir: string): string {
  return `${logDir.replace(/\/+$/, "")}/${siteFileName(a).replace(/^90-/, "").replace(/\.conf$/, "")}.access.log`;
}

/**
 * One mount's own error log on lighttpd, beside the site's (lighttpd takes server.errorlog per
 * URL condition, and its FastCGI lines carry no socket or URL): the file says which app.
 */
export function mountErrorLog(a: SiteAddress, app: string, logDir: string): string {
  return siteErrorLog(a, logDir).replace(/\.error\.log$/, `.${app}.error.log`);
}

/** The file an app's config lived in before sites existed; removed when its site is applied. */
export function legacyAppFileName(app: string, server: WebServer): string {
  return server === "lighttpd" ? `90-stoker-${app}.conf` : `stoker-${app}.conf`;
}

function hasWeb(a: AppSpec): a is WebApp {
  return a.web !== undefined;
}

function makeSite(address: SiteAddress, apps: WebApp[]): Site {
  const sorted = [...apps].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { ...address, key: siteKey(address), fileName: siteFileName(address), apps: sorted };
}

/**
 * The site `app` belongs to, among the apps of its host. `app` replaces any entry of the same name
 * in `all` (it may be a newer spec). With `server`, `app` is placed on that server; the others
 * stay on their own. Null when `app` has no web section.
 */
export function siteOf(app: AppSpec, all: readonly AppSpec[], server?: WebServer): Site | null {
  if (!hasWeb(app)) return null;
  const address = siteAddress(app.web, server);
  const key = siteKey(address);
  const others = all.filter((a): a is WebApp => a.name !== app.name && hasWeb(a) && siteKey(siteAddress(a.web)) === key);
  const self: WebApp = server ? { ...app, web: { ...app.web, server } } : app;
  return makeSite(address, [self, ...others]);
}

/** Every site formed by `all` (apps without a web section belong to none). */
export function sitesOf(all: readonly AppSpec[]): Site[] {
  const byKey = new Map<string, { address: SiteAddress; apps: WebApp[] }>();
  for (const a of all) {
    if (!hasWeb(a)) continue;
    const address = siteAddress(a.web);
    const key = siteKey(address);
    const entry = byKey.get(key) ?? { address, apps: [] };
    entry.apps.push(a);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map((e) => makeSite(e.address, e.apps)).sort((x, y) => (x.key < y.key ? -1 : 1));
}

/** How a site is named to people: "localhost:8080 (nginx)". */
export function siteLabel(a: SiteAddress): string {
  return `${a.serverName}:${a.port}${a.host ? ` on ${a.host}` : ""} (${a.server})`;
}

export type SiteConflict = { path: string; message: string };

/**
 * What two apps of one site may not both claim: the same mount, a URL one serves from disk and the
 * other mounts, the same static URL from different directories, or different TLS settings.
 * Each message names both apps, so the person reading it knows which spec to change.
 */
export function siteConflicts(site: Site): SiteConflict[] {
  const out: SiteConflict[] = [];
  const where = siteLabel(site);
  const mounts = new Map<string, string>();
  for (const a of site.apps) {
    const other = mounts.get(a.web.mount);
    if (other !== undefined) {
      out.push({
        path: "web.mount",
        message: `Apps "${other}" and "${a.name}" both mount ${a.web.mount} on site ${where}; give each app its own web.mount.`,
      });
    } else mounts.set(a.web.mount, a.name);
  }
  const statics = new Map<string, { app: string; dir: string }>();
  for (const a of site.apps) {
    for (const s of a.web.static) {
      const mountedBy = mounts.get(s.url);
      if (mountedBy !== undefined && mountedBy !== a.name) {
        out.push({
          path: "web.static",
          message: `App "${a.name}" serves ${s.url} from disk, but app "${mountedBy}" is mounted there on site ${where}; use another static URL or mount.`,
        });
      }
      const seen = statics.get(s.url);
      if (seen && seen.dir !== s.dir) {
        out.push({
          path: "web.static",
          message: `Apps "${seen.app}" and "${a.name}" both serve ${s.url} on site ${where}, from different directories (${seen.dir}, ${s.dir}); keep one.`,
        });
      } else if (!seen) statics.set(s.url, { app: a.name, dir: s.dir });
    }
  }
  const first = site.apps[0];
  for (const a of site.apps.slice(1)) {
    if (JSON.stringify(a.web.tls ?? null) !== JSON.stringify(first.web.tls ?? null)) {
      out.push({
        path: "web.tls",
        message: `Apps "${first.name}" and "${a.name}" share site ${where} but have different web.tls settings; a site has one certificate: give both the same web.tls.`,
      });
    }
  }
  return out;
}
