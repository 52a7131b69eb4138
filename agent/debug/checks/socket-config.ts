// Does the web-server config point at the socket the agent serves? Extracts FastCGI addresses from
// nginx (`fastcgi_pass`), lighttpd (`"socket" =>`, `"host"`/`"port"`) and Apache (`unix:...|fcgi://`).
import path from "node:path";
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";

export type ConfigSocket = { kind: "unix"; path: string } | { kind: "tcp"; address: string };

const tcp = (host: string, port: string): ConfigSocket => ({
  kind: "tcp",
  address: `${host.replace(/^\[|\]$/g, "").replace(/^localhost$/, "127.0.0.1")}:${port}`,
});

export function extractConfigSockets(text: string): ConfigSocket[] {
  const found: ConfigSocket[] = [];
  const lines = text.split("\n").map((l) => l.replace(/(^|\s)#.*$/, ""));
  const body = lines.join("\n");
  // nginx: fastcgi_pass unix:/p; | fastcgi_pass host:port; | upstream { server unix:/p; }
  for (const m of body.matchAll(/\b(?:fastcgi_pass|server)\s+unix:([^;\s]+)\s*;/g)) found.push({ kind: "unix", path: m[1] });
  for (const m of body.matchAll(/\bfastcgi_pass\s+(\[?[A-Za-z0-9.:-]+?\]?):(\d+)\s*;/g)) found.push(tcp(m[1], m[2]));
  // lighttpd: "socket" => "/p"  (not the `$SERVER["socket"] == ":80"` condition)
  for (const m of body.matchAll(/"socket"\s*=>\s*"([^"]+)"/g)) found.push({ kind: "unix", path: m[1] });
  for (const m of body.matchAll(/"host"\s*=>\s*"([^"]+)"\s*,\s*"port"\s*=>\s*"?(\d+)"?/g)) found.push(tcp(m[1], m[2]));
  // Apache mod_proxy_fcgi: unix:/p|fcgi://localhost/ | fcgi://host:port/
  for (const m of body.matchAll(/unix:([^|"\s]+)\|fcgi:\/\//g)) found.push({ kind: "unix", path: m[1] });
  for (const m of body.matchAll(/(?<!\|)fcgi:\/\/(\[?[A-Za-z0-9.:-]+?\]?):(\d+)/g)) found.push(tcp(m[1], m[2]));
  const seen = new Set<string>();
  return found.filter((s) => {
    const key = s.kind === "unix" ? `unix:${s.path}` : `tcp:${s.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const show = (s: ConfigSocket) => (s.kind === "unix" ? `unix:${s.path}` : s.address);

export function checkSocketMismatch(spec: AppSpec, configText: string): DoctorFinding[] {
  const sockets = extractConfigSockets(configText);
  const mine: ConfigSocket = spec.socket.path ? { kind: "unix", path: spec.socket.path } : tcp(...(splitTcp(spec.socket.tcp ?? ":")));
  const same = (s: ConfigSocket) =>
    s.kind === mine.kind && (s.kind === "unix" && mine.kind === "unix" ? path.resolve(s.path) === path.resolve(mine.path) : show(s) === show(mine));
  if (sockets.some(same)) return [];
  const fix = `Point the config at ${show(mine)} (re-render and apply it from Stoker), or change socket.${mine.kind === "unix" ? "path" : "tcp"} in the app spec to match.`;
  if (!sockets.length) {
    return [
      {
        code: "socket-mismatch",
        severity: "warning",
        title: "The web-server config names no FastCGI socket",
        detail: `No fastcgi_pass, "socket" => or unix:…|fcgi:// address was found in the config; the app listens on ${show(mine)}.`,
        fix,
      },
    ];
  }
  return [
    {
      code: "socket-mismatch",
      severity: "error",
      title: "The web server talks to a different socket",
      detail: `The config points at ${sockets.map(show).join(", ")}, but the agent serves this app on ${show(mine)}. The web server connects to nothing (or to another app) and reports a 502.`,
      fix,
    },
  ];
}

function splitTcp(address: string): [string, string] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), address.slice(i + 1)];
}
