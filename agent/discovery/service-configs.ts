// supervisord `[fcgi-program:x]` / `[program:x]` sections and systemd units (a `.socket` with its
// `.service`), read as text: the command line is split into words like a shell would (quotes,
// backslashes) but nothing is expanded or run.
import path from "node:path";
import { configFiles } from "./bounded-files";
import { normalizeAddress } from "./web-target";

export type ServiceConfig = {
  kind: "supervisord" | "systemd";
  name: string;
  command: string[];
  cwd: string | null;
  user: string | null;
  group: string | null;
  env: Record<string, string>;
  /** The socket it serves on, when the config names one. */
  address: string | null;
  /** true: the manager owns the socket and passes it as fd 0 (fcgi-program, StandardInput=socket). */
  fd0: boolean;
  numprocs: number;
  where: string;
};

/** Shell-like word splitting without expansion. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
      else if (c === "\\" && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

type Ini = { section: string; keys: Map<string, string>; line: number }[];

function parseIni(text: string): Ini {
  const out: Ini = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/^\s*[;#].*$/, "").trimEnd();
    const sec = /^\s*\[([^\]]+)\]/.exec(line);
    if (sec) out.push({ section: sec[1].trim(), keys: new Map(), line: i + 1 });
    else {
      const kv = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*)$/.exec(line);
      const cur = out[out.length - 1];
      if (kv && cur) cur.keys.set(kv[1].toLowerCase(), kv[2].trim());
    }
  });
  return out;
}

/** supervisord's `environment=A="1",B=2` */
function supervisorEnv(v: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of (v ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)/g)) env[m[1]] = m[2].replace(/^["']|["']$/g, "");
  return env;
}

/** `unix:///run/x.sock` / `tcp://127.0.0.1:9000` → the agent's address form. */
function supervisorSocket(v: string | undefined): string | null {
  if (!v) return null;
  const unix = /^unix:\/\/(\/.+)$/.exec(v);
  if (unix) return normalizeAddress(unix[1]);
  const tcp = /^tcp:\/\/(.+)$/.exec(v);
  return tcp ? normalizeAddress(tcp[1]) : null;
}

export function supervisordPrograms(roots: string[], seen: Set<string>): ServiceConfig[] {
  const out: ServiceConfig[] = [];
  for (const f of configFiles(roots, (n) => /\.(conf|ini)$/.test(n), seen)) {
    for (const s of parseIni(f.text)) {
      const m = /^(fcgi-program|program):(.+)$/.exec(s.section);
      const command = s.keys.get("command");
      if (!m || !command) continue;
      out.push({
        kind: "supervisord",
        name: m[2].trim(),
        command: splitWords(command),
        cwd: s.keys.get("directory") ?? null,
        user: s.keys.get("user") ?? null,
        group: null,
        env: supervisorEnv(s.keys.get("environment")),
        address: m[1] === "fcgi-program" ? supervisorSocket(s.keys.get("socket")) : null,
        fd0: m[1] === "fcgi-program",
        numprocs: Math.min(Math.max(Number(s.keys.get("numprocs") ?? 1) || 1, 1), 256),
        where: `${f.path}:${s.line} [${s.section}]`,
      });
    }
  }
  return out;
}

/** systemd `Environment=A=1 "B=2 3"` lines. */
function systemdEnv(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of lines) for (const w of splitWords(l)) {
    const i = w.indexOf("=");
    if (i > 0) env[w.slice(0, i)] = w.slice(i + 1);
  }
  return env;
}

export function systemdUnits(roots: string[], seen: Set<string>): ServiceConfig[] {
  const files = configFiles(roots, (n) => /\.(service|socket)$/.test(n), seen);
  const byName = new Map(files.map((f) => [path.basename(f.path), f]));
  const out: ServiceConfig[] = [];
  for (const f of files) {
    if (!f.path.endsWith(".service")) continue;
    const unit = path.basename(f.path, ".service").replace(/@$/, "");
    const ini = parseIni(f.text);
    const svc = ini.find((s) => s.section === "Service");
    const exec = svc?.keys.get("execstart");
    if (!svc || !exec) continue;
    const envLines = f.text.split("\n").filter((l) => /^\s*Environment\s*=/.test(l)).map((l) => l.replace(/^\s*Environment\s*=\s*/, ""));
    const sock = byName.get(`${unit}.socket`);
    const listen = sock ? parseIni(sock.text).find((s) => s.section === "Socket")?.keys.get("listenstream") : undefined;
    out.push({
      kind: "systemd",
      name: unit,
      command: splitWords(exec.replace(/^[-@+!:]+/, "")),
      cwd: svc.keys.get("workingdirectory") ?? null,
      user: svc.keys.get("user") ?? null,
      group: svc.keys.get("group") ?? null,
      env: systemdEnv(envLines),
      address: listen ? normalizeAddress(/^\d+$/.test(listen) ? `127.0.0.1:${listen}` : listen) : null,
      fd0: svc.keys.get("standardinput") === "socket",
      numprocs: 1,
      where: `${f.path}${sock ? ` + ${sock.path}` : ""}`,
    });
  }
  return out;
}
