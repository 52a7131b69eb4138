// The health requests an apply sends for an app's site: the URL through the web server (the mount,
// with the site's Host), and the same request straight to the app's socket for comparison.
import { type AppSpec, listenParts } from "../../lib/protocol";
import { fastcgiRequest, parseAddress } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import type { ProbeSpec } from "./apply-checks";

function socketOf(spec: AppSpec): string {
  return spec.socket.path ? `unix:${spec.socket.path}` : `tcp:${spec.socket.tcp}`;
}

/** The request path for the health probe: the mount itself, with a trailing slash. */
function healthPath(spec: AppSpec): string {
  const mount = spec.web?.mount ?? "/";
  return mount === "/" ? "/" : `${mount}/`;
}

/**
 * The health request through the server and, for comparison, straight to the socket with the CGI
 * variables the server sends for it (SCRIPT_NAME = the mount, PATH_INFO = the rest).
 */
export function siteProbe(spec: AppSpec, timeoutMs = 5000): ProbeSpec | null {
  const web = spec.web;
  if (!web) return null;
  const { host, port } = listenParts(web.listen);
  const ip = host && host !== "0.0.0.0" ? host : "127.0.0.1";
  const mount = web.mount;
  // A PHP site (documentRoot) runs a script for its health path: the front controller. Without
  // one, the server picks an index file the probe cannot know, so the server's answer judges alone.
  const script = web.documentRoot ? (web.frontController ?? null) : undefined;
  const direct = async (): Promise<number | null> => {
    const params = cgiParams({ method: "GET", path: "/", headers: { Host: web.serverName }, extra: spec.fastcgiParams });
    Object.assign(params, {
      SCRIPT_NAME: mount === "/" ? "" : mount,
      PATH_INFO: "/",
      REQUEST_URI: healthPath(spec),
      DOCUMENT_URI: healthPath(spec),
      SERVER_NAME: web.serverName,
      SERVER_PORT: String(port),
      ...(web.tls ? { HTTPS: "on", REQUEST_SCHEME: "https" } : {}),
      ...(script ? { SCRIPT_NAME: script, PATH_INFO: "", SCRIPT_FILENAME: `${web.documentRoot}${script}`, DOCUMENT_ROOT: web.documentRoot } : {}),
    });
    try {
      const res = await fastcgiRequest(parseAddress(socketOf(spec)), params, Buffer.alloc(0), Math.min(timeoutMs, 5000));
      return parseCgiResponse(res.stdout).status;
    } catch {
      return null; // no answer on the socket: the probe through the server judges alone
    }
  };
  const scheme = web.tls ? "https" : "http";
  return { url: `${scheme}://${ip}:${port}${healthPath(spec)}`, host: web.serverName, timeoutMs, direct: script === null ? undefined : direct };
}

/** Probes of the other apps' sites on the same server (they must keep answering). */
export function otherSiteProbes(self: AppSpec, all: readonly AppSpec[]): ProbeSpec[] {
  const server = self.web?.server;
  return all
    .filter((s) => s.name !== self.name && s.web && s.web.server === server)
    .map((s) => siteProbe(s, 3000))
    .filter((p): p is ProbeSpec => p !== null)
    .map(({ url, host, timeoutMs }) => ({ url, host, timeoutMs }));
}
