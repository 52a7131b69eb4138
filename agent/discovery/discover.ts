// Finds the FastCGI apps already running or configured on this host and proposes an app spec
// for each: the targets of the web servers' configs (their config dirs and the target dirs the
// agent is configured with), the processes holding those sockets, processes whose fd 0 is a
// listening socket (spawn-fcgi style), supervisord programs and systemd units. Reads only:
// configs with bounded sizes, /proc. Sockets Stoker already serves are left out.
import type { DiscoveryCandidate, DiscoveryResult } from "../../lib/protocol";
import { configFiles } from "./bounded-files";
import { apacheTargets } from "./apache-targets";
import { lighttpdPort, lighttpdTargets } from "./lighttpd-targets";
import { nginxTargets } from "./nginx-targets";
import { type Holder, listenerHolders, procInfo } from "./proc-listeners";
import { appName, type Found, proposeSpec } from "./propose-spec";
import { type ServiceConfig, supervisordPrograms, systemdUnits } from "./service-configs";
import { normalizeAddress, type WebTarget } from "./web-target";

export type DiscoveryRoots = {
  nginx: string[];
  lighttpd: string[];
  apache: string[];
  supervisord: string[];
  systemd: string[];
};

export const DEFAULT_ROOTS: DiscoveryRoots = {
  nginx: ["/etc/nginx"],
  lighttpd: ["/etc/lighttpd"],
  apache: ["/etc/apache2", "/etc/httpd"],
  supervisord: ["/etc/supervisor", "/etc/supervisord.conf", "/etc/supervisord.d"],
  systemd: ["/etc/systemd/system"],
};

const CONFIG_NAME = (n: string) => !/(~|\.(bak|old|orig|swp|dpkg-\w+|ucf-\w+|types))$/.test(n);
const FASTCGI_COMMAND = /fcgi|fastcgi|php-cgi|uwsgi|starman|plackup/i;

/** The socket a command line binds itself: spawn-fcgi `-s P` / `-a A -p N`, php-cgi `-b P|A:N`. */
export function commandSocket(argv: string[]): string | null {
  const opt = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? (argv[i + 1] ?? null) : null;
  };
  const s = opt("-s");
  if (s && argv.some((a) => a.includes("spawn-fcgi"))) return normalizeAddress(s);
  const p = opt("-p");
  if (p && argv.some((a) => a.includes("spawn-fcgi"))) return normalizeAddress(`${opt("-a") ?? "127.0.0.1"}:${p}`);
  const b = opt("-b");
  if (b && argv.some((a) => a.includes("php-cgi"))) return normalizeAddress(/^\d+$/.test(b) ? `127.0.0.1:${b}` : b);
  return null;
}

export function webTargets(roots: DiscoveryRoots, seen: Set<string>): WebTarget[] {
  const out: WebTarget[] = [];
  for (const f of configFiles(roots.nginx, CONFIG_NAME, seen)) out.push(...nginxTargets(f.path, f.text));
  const lighty = configFiles(roots.lighttpd, CONFIG_NAME, seen);
  const port = lighttpdPort(lighty.map((f) => f.text));
  for (const f of lighty) out.push(...lighttpdTargets(f.path, f.text, port));
  for (const f of configFiles(roots.apache, CONFIG_NAME, seen)) out.push(...apacheTargets(f.path, f.text));
  return out;
}

/** The processes to adopt for a socket: the first of each tree (a prefork master, not its workers). */
function leaders(hs: Holder[]): number[] {
  const pids = new Set(hs.map((h) => h.pid));
  return [...new Set(hs.filter((h) => !pids.has(h.ppid)).map((h) => h.pid))].sort((a, b) => a - b);
}

export function discover(roots: DiscoveryRoots, managed: (address: string) => boolean): DiscoveryResult {
  const seen = new Set<string>();
  const web = webTargets(roots, seen);
  const webAddresses = new Set(web.map((t) => t.address));
  // A program or unit counts when it is FastCGI by its kind (fcgi-program, a socket as fd 0), by its
  // command, or by serving a socket a web server sends requests to (not every socket unit is an app).
  const services: ServiceConfig[] = [...supervisordPrograms(roots.supervisord, seen), ...systemdUnits(roots.systemd, seen)]
    .map((s) => ({ ...s, address: s.address ?? commandSocket(s.command) }))
    .filter((s) => s.fd0 || FASTCGI_COMMAND.test(s.command.join(" ")) || (s.address !== null && webAddresses.has(s.address)));
  const holders = listenerHolders();
  const addresses = new Set<string>([
    ...web.map((t) => t.address),
    ...services.flatMap((s) => (s.address ? [s.address] : [])),
    ...holders.filter((h) => h.fd === 0).map((h) => h.address),
  ]);
  const candidates: DiscoveryCandidate[] = [];
  const names = new Set<string>();
  const unique = (hint: string) => {
    const base = appName(hint);
    let n = base;
    for (let i = 2; names.has(n); i++) n = `${base.slice(0, 60)}-${i}`;
    names.add(n);
    return n;
  };
  const usedServices = new Set<ServiceConfig>();
  for (const address of [...addresses].sort()) {
    if (managed(address)) continue;
    const hs = holders.filter((h) => h.address === address);
    const fd0 = hs.filter((h) => h.fd === 0);
    const service = services.find((s) => s.address === address) ?? null;
    // Running: as the processes hold it. Not running: as the manager would hand it (fcgi-program, StandardInput=socket).
    const bind = fd0.length || (!hs.length && service?.fd0) ? "agent" : "app";
    const pids = fd0.length ? leaders(fd0) : leaders(hs).slice(0, 1);
    if (service) usedServices.add(service);
    const proc = pids.length ? procInfo(pids[0]) : null;
    if (!proc && !service) continue; // a web target nothing serves and no config starts: no command to propose
    const targets = web.filter((t) => t.address === address);
    const found: Found = { address, bind, pids: proc ? pids : [], proc, service, web: targets };
    const hint = service?.name ?? (address.startsWith("unix:") ? address.slice(address.lastIndexOf("/") + 1) : targets[0]?.mount.slice(1) || `fastcgi-${address.slice(address.lastIndexOf(":") + 1)}`);
    const { spec, notes } = proposeSpec(found, unique(hint));
    const parts = [
      proc ? `${pids.length} running process(es) on ${address}${bind === "agent" ? " (the socket is their fd 0, spawn-fcgi style)" : " (bound by the app itself)"}: pid ${pids.join(", ")}` : `configured on ${address}, not running`,
      ...targets.map((t) => `${t.server} ${t.where}`),
      ...(service ? [`${service.kind} ${service.where}${service.kind === "supervisord" && proc ? " (stop it there after the import, or it restarts what Stoker stops)" : ""}`] : []),
      ...notes,
    ];
    candidates.push({ spec, pids: found.pids, source: parts.join("; ").slice(0, 4000) });
  }
  // Programs and units that look like FastCGI but name no socket we could place.
  for (const s of services) {
    if (usedServices.has(s) || s.address || !FASTCGI_COMMAND.test(s.command.join(" "))) continue;
    candidates.push({
      spec: { name: unique(s.name), command: s.command, ...(s.cwd ? { cwd: s.cwd } : {}), ...(s.user ? { user: s.user } : {}), processes: s.numprocs },
      pids: [],
      source: `${s.kind} ${s.where}; names no socket: add one before import`,
    });
  }
  return { candidates: candidates.slice(0, 500) };
}
