// Which web server the agent applies config to, and how: Debian's defaults, then what detection
// found on this host, then the host setting from the control plane, then the operator's overrides
// (STOKER_WEB_TARGETS, then `<state>/web-targets.json`, re-read on every use).
import { readFileSync } from "node:fs";
import path from "node:path";
import { type WebServer, type WebTarget, type WebTargets, WebTargetsSchema } from "../../lib/protocol";
import type { ApplyTarget } from "./apply-web-config";

type ServerDefaults = Omit<ApplyTarget, "fileName">;

/** Where Debian's packages look for snippets, and how their init scripts test and reload. */
export const DEBIAN_DEFAULTS: Record<WebServer, ServerDefaults> = {
  nginx: {
    server: "nginx",
    dir: "/etc/nginx/conf.d",
    validateArgv: ["nginx", "-t"],
    reloadArgv: ["nginx", "-s", "reload"],
    startArgv: ["nginx"],
    pidFile: "/run/nginx.pid",
    errorLog: "/var/log/nginx/error.log",
    siteLogDir: "/var/log/nginx",
  },
  lighttpd: {
    server: "lighttpd",
    dir: "/etc/lighttpd/conf-enabled",
    validateArgv: ["lighttpd", "-tt", "-f", "/etc/lighttpd/lighttpd.conf"],
    reloadArgv: ["systemctl", "reload", "lighttpd"],
    startArgv: ["lighttpd", "-f", "/etc/lighttpd/lighttpd.conf"],
    pidFile: "/run/lighttpd.pid",
    errorLog: "/var/log/lighttpd/error.log",
    siteLogDir: "/var/log/lighttpd",
  },
  apache: {
    server: "apache",
    dir: "/etc/apache2/sites-enabled",
    validateArgv: ["apache2ctl", "-t"],
    reloadArgv: ["apache2ctl", "graceful"],
    startArgv: ["apache2ctl", "start"],
    pidFile: "/run/apache2/apache2.pid",
    errorLog: "/var/log/apache2/error.log",
    siteLogDir: "/var/log/apache2",
  },
};

/**
 * `base` overridden by `over`. A layer that names its own commands (validateArgv or reloadArgv)
 * points at another server instance: the pid file, error log and start command of the layers
 * below describe a different process and are dropped (never start the system nginx for a test one).
 */
function overlay<T extends WebTarget>(base: T, over: WebTarget): T {
  const defined = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as WebTarget;
  if (!defined.validateArgv && !defined.reloadArgv) return { ...base, ...defined };
  const { pidFile: _p, errorLog: _e, startArgv: _s, reloadSignal: _r, siteLogDir: _l, ...rest } = base;
  return { ...rest, ...defined } as T;
}

/** Later layers win, field by field, per server (see overlay). */
export function mergeTargets(...layers: Array<WebTargets | undefined>): WebTargets {
  const out: WebTargets = {};
  for (const layer of layers) {
    for (const [server, t] of Object.entries(layer ?? {}) as [WebServer, WebTarget | undefined][]) {
      if (t) out[server] = overlay(out[server] ?? {}, t);
    }
  }
  return out;
}

/** `<state>/web-targets.json`, or {} when absent or invalid (an operator's file never stops the agent). */
export function readTargetsFile(stateDir: string): WebTargets {
  try {
    const file = WebTargetsSchema.safeParse(JSON.parse(readFileSync(path.join(stateDir, "web-targets.json"), "utf8")));
    return file.success ? file.data : {};
  } catch {
    return {};
  }
}

export function debianTarget(server: WebServer, fileName: string, overrides: WebTarget = {}): ApplyTarget {
  return { ...overlay<ServerDefaults>(DEBIAN_DEFAULTS[server], overrides), fileName };
}
