// The checked input every renderer works from: the parsed web section, the socket and the
// extra FastCGI params, each re-validated here so a renderer never sees an unchecked string.
import {
  type AppSpec,
  AppSpecSchema,
  err,
  type FieldError,
  fieldErrors,
  ok,
  type Result,
  type Site,
  siteConflicts,
  mountErrorLog,
  siteAccessLog,
  siteErrorLog,
  type StaticMap,
  sizeToBytes,
  type TlsSpec,
  WEB_DEFAULTS,
  type WebServer,
  type WebSpec,
} from "../../lib/protocol";
import { acmePaths } from "../apply/acme";

export type Upstream = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

/** One app's part of a site: its mount, socket, limits and extra params, all checked. */
export type MountInput = {
  app: string;
  web: WebSpec;
  upstream: Upstream;
  /** Extra FastCGI params from the spec, sorted by name so output is stable. */
  params: [string, string][];
  /** The body limit in force (the spec's, else WEB_DEFAULTS), as written and in bytes. */
  bodyLimit: string;
  bodyLimitBytes: number;
  /** Buffer for the app's response headers (the spec's, else WEB_DEFAULTS). */
  headerBuffer: string;
  /** Regex source of exactly the URLs this mount owns on its site (see ownedUrlRegex). */
  own: string;
  /** fastcgiParams.SCRIPT_FILENAME of a one-script app (no documentRoot): every request runs it. */
  scriptFilename: string | null;
  /** lighttpd: this mount's own error log (mountErrorLog), or null. */
  errorLog: string | null;
};

/** A whole site, ready for a renderer: its address, TLS and its mounts, longest mount first. */
export type SiteInput = {
  server: WebServer;
  serverName: string;
  /** Host names the site answers to: serverName, plus the loopback addresses for localhost. */
  names: string[];
  host: string | null;
  port: number;
  tls: SiteTls | null;
  /** The site's own error log (siteErrorLog), or null to leave errors in the server's main log. */
  errorLog: string | null;
  /** The site's access log for metrics (siteAccessLog; agent/metrics/access-line.ts), or null for none. */
  accessLog: string | null;
  /** Static prefixes of all apps, deduplicated, longest first. */
  statics: StaticMap[];
  mounts: MountInput[];
};

/**
 * The site's TLS with its certificate files decided: the spec's own, or (web.tls.acme) the ones the
 * agent keeps under its state dir, with the webroot the plain-HTTP port serves challenges from.
 */
export type SiteTls = Omit<TlsSpec, "certificate" | "key" | "acme"> & { certificate: string; key: string; acmeWebroot: string | null };

function siteTls(tls: TlsSpec | undefined, serverName: string, acmeStateDir: string | undefined): Result<SiteTls | null> {
  if (!tls) return ok(null);
  const { certificate, key, acme, ...rest } = tls;
  if (acme) {
    if (!acmeStateDir) return err("BAD_REQUEST", "web.tls.acme: this config is rendered by the agent, which obtains the certificate; it has no file paths here.", { fields: [{ path: "web.tls.acme", message: "Rendered only by the agent (it owns the certificate files)." }] });
    const p = acmePaths(acmeStateDir, serverName);
    return ok({ ...rest, certificate: p.certificate, key: p.key, acmeWebroot: p.webroot });
  }
  if (certificate === undefined || key === undefined) return err("BAD_REQUEST", "web.tls needs certificate and key.", { fields: [{ path: "web.tls", message: "web.tls needs certificate and key." }] });
  return ok({ ...rest, certificate, key, acmeWebroot: null });
}

/** Params the renderers compute themselves; letting a spec override them would break mounting. */
export const RESERVED_PARAMS = new Set([
  "SCRIPT_NAME",
  "PATH_INFO",
  "PATH_TRANSLATED",
  "SCRIPT_FILENAME",
  "QUERY_STRING",
  "REQUEST_URI",
  "REQUEST_METHOD",
  "CONTENT_TYPE",
  "CONTENT_LENGTH",
  "SERVER_NAME",
  "SERVER_PORT",
  "SERVER_ADDR",
  "SERVER_PROTOCOL",
  "REMOTE_ADDR",
  "REMOTE_PORT",
  "GATEWAY_INTERFACE",
  "DOCUMENT_ROOT",
  "DOCUMENT_URI",
]);

/** Last line of defence: even after the schema, a value that reaches a config must be one of these. */
const SAFE_BARE = /^[A-Za-z0-9._/:@+~\-[\]]+$/;
const SAFE_QUOTED = /^(?:[A-Za-z0-9 ._/:@%+=,~-]|\{release\})*$/;

export function assertBare(value: string, field: string): string {
  if (!SAFE_BARE.test(value)) throw new UnsafeValueError(field);
  return value;
}

export function assertQuoted(value: string, field: string): string {
  if (!SAFE_QUOTED.test(value)) throw new UnsafeValueError(field);
  return value;
}

export class UnsafeValueError extends Error {
  constructor(readonly field: string) {
    super(`${field} contains characters that cannot be written into a web-server config.`);
  }
}

/**
 * lighttpd's fixed limit on the response headers it reads from a FastCGI app (no directive sets it;
 * measured on 1.4.69: 63 KiB of Set-Cookie pass, 64 KiB answer 502). Apache has none (256 KiB pass).
 */
const LIGHTTPD_HEADER_LIMIT = 64 * 1024;

/** Re-parses one app's spec (callers may hand us an object that never went through zod) and checks its web section. */
function prepareMount(spec: AppSpec, server: WebServer): Result<Omit<MountInput, "own" | "errorLog">> {
  const parsed = AppSpecSchema.safeParse(spec);
  if (!parsed.success) {
    return err("BAD_REQUEST", `The spec of app "${spec.name}" is not valid; fix the fields listed.`, { fields: fieldErrors(parsed.error) });
  }
  const s = parsed.data;
  if (!s.web) {
    return err("BAD_REQUEST", "This app has no web section: add web.server, web.serverName and web.mount to render a config.", {
      fields: [{ path: "web", message: "Add a web section to put this app behind a web server." }],
    });
  }
  const fields: FieldError[] = [];
  const params: [string, string][] = [];
  let scriptFilename: string | null = null;
  for (const [name, value] of Object.entries(s.fastcgiParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name === "SCRIPT_FILENAME") {
      // The one-script way (every request runs this file) stays; a PHP site names its directory instead.
      if (s.web.documentRoot !== undefined) {
        fields.push({ path: "fastcgiParams.SCRIPT_FILENAME", message: "web.documentRoot already sets SCRIPT_FILENAME for each .php script; remove fastcgiParams.SCRIPT_FILENAME." });
      } else if (!/^\/[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/.test(value) || value.split("/").includes("..")) {
        fields.push({ path: "fastcgiParams.SCRIPT_FILENAME", message: "fastcgiParams.SCRIPT_FILENAME must be an absolute path to the script, e.g. /srv/hello/index.php; to host a PHP site with many scripts set web.documentRoot instead." });
      } else scriptFilename = value;
    } else if (RESERVED_PARAMS.has(name) || name.startsWith("HTTP_")) {
      fields.push({
        path: `fastcgiParams.${name}`,
        message: `fastcgiParams.${name} is set by the web server itself (mounting, request or header data); remove it from the spec.`,
      });
    } else if (name.length > 64) {
      fields.push({ path: `fastcgiParams.${name.slice(0, 16)}…`, message: "FastCGI parameter names may have at most 64 characters." });
    } else {
      params.push([name, value]);
    }
  }
  const tcpHost = s.socket.tcp ? s.socket.tcp.slice(0, s.socket.tcp.lastIndexOf(":")) : null;
  if (tcpHost !== null && !/^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\d{1,3}(?:\.\d{1,3}){3}|\[::1\]|localhost)$/.test(tcpHost)) {
    // nginx and Apache resolve upstream names when they load the config: an unknown name stops
    // the whole server from reloading, so only address literals (and localhost) are rendered.
    fields.push({ path: "socket.tcp", message: "For a web-server upstream use an IP address such as 127.0.0.1:9001 (or localhost), not a host name." });
  }
  const headerBuffer = s.web.extra.headerBufferSize ?? WEB_DEFAULTS.headerBufferSize;
  if (server === "lighttpd" && sizeToBytes(headerBuffer) > LIGHTTPD_HEADER_LIMIT) {
    fields.push({ path: "web.extra.headerBufferSize", message: "lighttpd takes at most 64k of response headers from an app and has no setting for more; use 64k or less, or nginx or Apache." });
  }
  if (fields.length) return err("BAD_REQUEST", "Some settings cannot be rendered into a web-server config.", { fields });
  const bodyLimit = s.web.extra.clientMaxBodySize ?? WEB_DEFAULTS.clientMaxBodySize;
  return ok({
    app: s.name,
    web: { ...s.web, server },
    upstream: upstreamOf(s.socket),
    params,
    bodyLimit,
    bodyLimitBytes: sizeToBytes(bodyLimit),
    headerBuffer,
    scriptFilename,
  });
}

/**
 * Checks every app of a site and the site as a whole (conflicting mounts) for rendering.
 * `logDir`: where the site's own error log goes (none: the server's main log only).
 */
export function prepareSite(site: Site, logDir?: string, acmeStateDir?: string): Result<SiteInput> {
  const conflicts = siteConflicts(site);
  if (conflicts.length) {
    return err("BAD_REQUEST", conflicts.map((c) => c.message).join(" "), { fields: conflicts });
  }
  const mounts: Omit<MountInput, "own" | "errorLog">[] = [];
  for (const app of site.apps) {
    const m = prepareMount(app, site.server);
    if (!m.ok) return m;
    mounts.push(m.value);
  }
  const byUrl = new Map<string, StaticMap>();
  for (const m of mounts) for (const st of m.web.static) byUrl.set(st.url, st);
  // lighttpd and Apache take the first static prefix that matches (lighttpd -tt refuses a /media/x
  // listed after /media): longer prefixes first, so each one can match.
  const statics = [...byUrl.values()].sort((a, b) => b.url.length - a.url.length || (a.url < b.url ? -1 : 1));
  mounts.sort((a, b) => b.web.mount.length - a.web.mount.length || (a.web.mount < b.web.mount ? -1 : 1));
  const allMounts = mounts.map((m) => m.web.mount);
  const names = site.serverName === "localhost" ? ["localhost", "127.0.0.1"] : [site.serverName];
  const tls = siteTls(site.apps[0]?.web.tls, site.serverName, acmeStateDir);
  if (!tls.ok) return tls;
  return ok({
    server: site.server,
    serverName: site.serverName,
    names,
    host: site.host,
    port: site.port,
    tls: tls.value,
    errorLog: logDir ? siteErrorLog(site, logDir) : null,
    accessLog: logDir ? siteAccessLog(site, logDir) : null,
    statics,
    mounts: mounts.map((m) => ({
      ...m,
      own: ownedUrlRegex(m.web.mount, allMounts, statics),
      errorLog: logDir && site.server === "lighttpd" ? mountErrorLog(site, m.app, logDir) : null,
    })),
  });
}

/**
 * Regex source (PCRE and lighttpd alike) of exactly the URLs a mount owns on its site: its prefix
 * at a segment boundary, minus the longer mounts and the static prefixes inside it. Each URL is
 * owned by at most one mount, so no renderer depends on the order its blocks are matched in.
 */
export function ownedUrlRegex(mount: string, mounts: string[], statics: StaticMap[]): string {
  const inside = (p: string) => p !== mount && (mount === "/" || p.startsWith(`${mount}/`));
  const rest = (p: string) => prefixRegex(p.slice(mount === "/" ? 1 : mount.length + 1));
  const excluded = [
    ...mounts.filter(inside).map((m) => `${rest(m)}(?:/|$)`),
    ...statics.filter((st) => inside(st.url)).map((st) => `${rest(st.url)}/`),
  ];
  const not = excluded.length ? `(?!${excluded.join("|")})` : "";
  return mount === "/" ? `^/${not}` : `^${prefixRegex(mount)}(?:/${not}|$)`;
}

function upstreamOf(socket: AppSpec["socket"]): Upstream {
  if (socket.path) return { kind: "unix", path: socket.path };
  const tcp = socket.tcp ?? "";
  const i = tcp.lastIndexOf(":");
  return { kind: "tcp", host: tcp.slice(0, i), port: Number(tcp.slice(i + 1)) };
}

/** Where plain HTTP is redirected to: https://serverName, with the port unless it is 443. */
export function httpsOrigin(site: SiteInput): string {
  return `https://${assertBare(site.serverName, "web.serverName")}${site.port === 443 ? "" : `:${site.port}`}`;
}

/** The Strict-Transport-Security value, or null when the site does not ask for HSTS. */
export function hstsValue(site: SiteInput): string | null {
  const h = site.tls?.hsts;
  return h ? `max-age=${h.maxAgeS}${h.includeSubdomains ? "; includeSubDomains" : ""}` : null;
}

/** Regex source for a URL prefix that only matches at a segment boundary. `.` becomes `[.]`
 *  so the same text works in PCRE (nginx, Apache) and lighttpd without backslash escaping. */
export function prefixRegex(urlPath: string): string {
  return assertBare(urlPath, "url path").replaceAll(".", "[.]");
}

export function upstreamLabel(u: Upstream): string {
  return u.kind === "unix" ? `unix:${u.path}` : `${u.host}:${u.port}`;
}
