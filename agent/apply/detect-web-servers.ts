// Finds the web servers installed on this host: binary, version, main config, the include
// directory Stoker writes sites into, error log, pid file, and how to reload and start each one
// (through systemd when it runs, otherwise by command or by signal to the pid file's pid).
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { WebServer, WebTarget } from "../../lib/protocol";

export type Detected = {
  server: WebServer;
  binary: string;
  version: string;
  mainConfig: string;
  configDir: string;
  errorLog: string;
  pidFile: string;
  reloadVia: "systemd" | "command" | "signal";
  target: WebTarget;
};

const BINARIES: Record<WebServer, string[]> = {
  nginx: ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"],
  lighttpd: ["/usr/sbin/lighttpd", "/usr/local/sbin/lighttpd"],
  apache: ["/usr/sbin/apache2", "/usr/sbin/httpd", "/usr/local/apache2/bin/httpd"],
};

function output(argv: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(argv[0] ?? "", argv.slice(1), { timeout: 5000, maxBuffer: 1 << 20 }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A top-level `name value;` (nginx) or `name = "value"` (lighttpd) setting in a config text. */
function setting(text: string, re: RegExp): string | null {
  return re.exec(text)?.[1] ?? null;
}

const firstDir = (dirs: string[]): string => dirs.find((d) => existsSync(d)) ?? dirs[0] ?? "";

/** Is systemd the init system here (the same test `sd_booted()` makes)? */
export function systemdRuns(): boolean {
  return existsSync("/run/systemd/system");
}

async function detectNginx(binary: string, systemd: boolean): Promise<Detected> {
  const v = await output([binary, "-V"]);
  const mainConfig = /--conf-path=(\S+)/.exec(v)?.[1] ?? "/etc/nginx/nginx.conf";
  const text = readText(mainConfig);
  const compiledPid = /--pid-path=(\S+)/.exec(v)?.[1] ?? "/run/nginx.pid";
  const pidFile = setting(text, /^\s*pid\s+([^;\s]+)\s*;/m) ?? compiledPid;
  const errorLog = setting(text, /^\s*error_log\s+([^;\s]+)/m) ?? "/var/log/nginx/error.log";
  const configDir = firstDir(["/etc/nginx/conf.d", "/etc/nginx/sites-enabled"]);
  const target: WebTarget = {
    dir: configDir,
    validateArgv: [binary, "-t", "-q"],
    reloadArgv: systemd ? ["systemctl", "reload", "nginx"] : [binary, "-s", "reload"],
    startArgv: systemd ? ["systemctl", "start", "nginx"] : [binary],
    pidFile,
    errorLog,
    siteLogDir: path.dirname(errorLog),
  };
  const version = /nginx version: (\S+)/.exec(v)?.[1] ?? "";
  return { server: "nginx", binary, version, mainConfig, configDir, errorLog, pidFile, reloadVia: systemd ? "systemd" : "command", target };
}

async function detectLighttpd(binary: string, systemd: boolean): Promise<Detected> {
  const version = /^(lighttpd\/\S+)/m.exec(await output([binary, "-v"]))?.[1] ?? "";
  const mainConfig = "/etc/lighttpd/lighttpd.conf";
  const text = readText(mainConfig);
  const pidFile = setting(text, /^\s*server\.pid-file\s*=\s*"([^"]+)"/m) ?? "/run/lighttpd.pid";
  const errorLog = setting(text, /^\s*server\.errorlog\s*=\s*"([^"]+)"/m) ?? "/var/log/lighttpd/error.log";
  const configDir = firstDir(["/etc/lighttpd/conf-enabled"]);
  const target: WebTarget = {
    dir: configDir,
    validateArgv: [binary, "-tt", "-f", mainConfig],
    // lighttpd has no reload command: without systemd it is SIGUSR1 to the pid (a graceful restart).
    reloadArgv: systemd ? ["systemctl", "reload", "lighttpd"] : [],
    reloadSignal: "SIGUSR1",
    startArgv: systemd ? ["systemctl", "start", "lighttpd"] : [binary, "-f", mainConfig],
    pidFile,
    errorLog,
    siteLogDir: path.dirname(errorLog),
  };
  return { server: "lighttpd", binary, version, mainConfig, configDir, errorLog, pidFile, reloadVia: systemd ? "systemd" : "signal", target };
}

async function detectApache(binary: string, systemd: boolean): Promise<Detected> {
  const version = /Server version: (\S+)/.exec(await output([binary, "-v"]))?.[1] ?? "";
  const debian = existsSync("/etc/apache2/apache2.conf");
  const mainConfig = debian ? "/etc/apache2/apache2.conf" : "/etc/httpd/conf/httpd.conf";
  // Debian's apache2 reads its paths from envvars; apache2ctl sources it for us.
  const envvars = readText("/etc/apache2/envvars");
  const pidFile = (/APACHE_PID_FILE=(\S+)/.exec(envvars)?.[1] ?? "/run/apache2/apache2.pid").replace("$SUFFIX", "");
  const logDir = (/APACHE_LOG_DIR=(\S+)/.exec(envvars)?.[1] ?? "/var/log/apache2").replace("$SUFFIX", "");
  const errorLog = debian ? `${logDir}/error.log` : "/var/log/httpd/error_log";
  const ctl = existsSync("/usr/sbin/apache2ctl") ? "/usr/sbin/apache2ctl" : "/usr/sbin/apachectl";
  const configDir = firstDir(debian ? ["/etc/apache2/sites-enabled"] : ["/etc/httpd/conf.d"]);
  const target: WebTarget = {
    dir: configDir,
    validateArgv: [ctl, "-t"],
    reloadArgv: systemd ? ["systemctl", "reload", debian ? "apache2" : "httpd"] : [ctl, "graceful"],
    startArgv: systemd ? ["systemctl", "start", debian ? "apache2" : "httpd"] : [ctl, "start"],
    pidFile,
    errorLog,
    siteLogDir: path.dirname(errorLog),
  };
  return { server: "apache", binary, version, mainConfig, configDir, errorLog, pidFile, reloadVia: systemd ? "systemd" : "command", target };
}

const DETECT = { nginx: detectNginx, lighttpd: detectLighttpd, apache: detectApache };

/** Every installed server (a binary found in the usual places). */
export async function detectWebServers(binaries: Record<WebServer, string[]> = BINARIES): Promise<Detected[]> {
  const systemd = systemdRuns();
  const found: Detected[] = [];
  for (const server of ["nginx", "lighttpd", "apache"] as const) {
    const binary = binaries[server].find((b) => existsSync(b));
    if (binary) found.push(await DETECT[server](binary, systemd));
  }
  return found;
}
