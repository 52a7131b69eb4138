// The guided New-app form's state and the spec it makes (pure: shared by the form, its JSON view
// and tests). Presets give each runtime's command for a script; a proposal from the agent fills
// the rest; the JSON view edits the same spec.
import type { Proposal, Runtime } from "@/lib/protocol/guided-messages";

export type WebChoice = "none" | "nginx" | "lighttpd" | "apache";

export type AppForm = {
  hostId: string;
  runtime: Runtime;
  name: string;
  script: string;
  user: string;
  /** One argument per line: a path with spaces stays one argument. */
  command: string;
  cwd: string;
  processes: number;
  socketPath: string;
  bind: "agent" | "app";
  scriptFilename: string;
  web: WebChoice;
  serverName: string;
  listen: string;
  mount: string;
};

export const RUNTIME_LABELS: Record<Runtime, string> = {
  "python-flup": "Python .fcgi (flup WSGIServer)",
  "python-uwsgi": "Python WSGI via uWSGI",
  "php-cgi": "PHP (php-cgi)",
  "php-fpm": "PHP (php-fpm pool)",
  "perl-fcgi": "Perl FCGI",
  node: "Node (node-fastcgi)",
  custom: "Custom command",
};

/** Runtimes this control plane can run now. */
export const AVAILABLE_RUNTIMES: Runtime[] = ["python-flup", "python-uwsgi", "php-cgi", "php-fpm", "perl-fcgi", "node", "custom"];

export function presetCommand(runtime: Runtime, script: string): string[] {
  const s = script || "/path/to/script";
  switch (runtime) {
    case "python-flup":
      return ["/usr/bin/python3", s];
    case "python-uwsgi":
      return ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", s, "--die-on-term"];
    case "php-cgi":
      return ["/usr/bin/php-cgi"];
    case "php-fpm":
      return ["/usr/sbin/php-fpm8.2"];
    case "perl-fcgi":
      return ["/usr/bin/perl", s];
    case "node":
      return ["/usr/bin/node", s];
    default:
      return [s];
  }
}

const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) || "/" : "");

export function initialForm(hostId: string): AppForm {
  return {
    hostId,
    runtime: "python-flup",
    name: "hello",
    script: "",
    user: "www-data",
    command: presetCommand("python-flup", "").join("\n"),
    cwd: "",
    processes: 2,
    socketPath: "/run/stoker/hello.sock",
    bind: "agent",
    scriptFilename: "",
    web: "none",
    serverName: "",
    listen: "80",
    mount: "/",
  };
}

/** A preset chosen (or a script picked) before any proposal: the runtime's command for that script. */
export function applyPreset(form: AppForm, runtime: Runtime): AppForm {
  const php = runtime === "php-cgi" || runtime === "php-fpm";
  return { ...form, runtime, command: presetCommand(runtime, form.script).join("\n"), scriptFilename: php ? form.script : "", cwd: form.cwd || dirOf(form.script) };
}

export function applyProposal(form: AppForm, p: Proposal): AppForm {
  return {
    ...form,
    runtime: p.runtime,
    command: p.command.join("\n"),
    cwd: p.cwd,
    user: p.user ?? form.user,
    socketPath: p.socket.path,
    bind: p.socket.bind,
    scriptFilename: p.fastcgiParams.SCRIPT_FILENAME ?? "",
    mount: p.mount,
  };
}

type Spec = Record<string, unknown>;
const obj = (v: unknown): Spec => (v && typeof v === "object" && !Array.isArray(v) ? (v as Spec) : {});

/**
 * The spec as POST /api/v1/apps (or PUT for an edit) takes it; the server's zod schema is the judge
 * of its values. `base` is the spec being edited: what the form has no field for (env, ready,
 * workers, the socket's mode, the web section's TLS...) is kept as it was.
 */
export function formToSpec(f: AppForm, base: Spec = {}): Spec {
  const spec: Spec = { ...base, name: f.name, hostId: f.hostId, command: f.command.split("\n").map((a) => a.trim()).filter(Boolean), processes: f.processes };
  for (const [key, value] of [["cwd", f.cwd], ["user", f.user]] as const) {
    if (value) spec[key] = value;
    else delete spec[key];
  }
  const { path: _path, tcp: _tcp, bind: _bind, ...socketRest } = obj(base.socket);
  // An empty path keeps a TCP socket the form cannot show.
  const address = f.socketPath ? { path: f.socketPath } : _tcp !== undefined ? { tcp: _tcp } : {};
  spec.socket = { ...address, mode: "0660", ...socketRest, ...(f.bind === "app" ? { bind: "app" } : {}) };
  const { SCRIPT_FILENAME: _sf, ...params } = obj(base.fastcgiParams);
  if (f.scriptFilename) spec.fastcgiParams = { ...params, SCRIPT_FILENAME: f.scriptFilename };
  else if (Object.keys(params).length) spec.fastcgiParams = params;
  else delete spec.fastcgiParams;
  // php-fpm: one master that forks its own children (the pool's pm.* settings), on the agent's socket.
  if (f.runtime === "php-fpm") Object.assign(spec, { fpm: base.fpm ?? {}, processes: 1 });
  else delete spec.fpm;
  if (f.web !== "none") {
    const listen = /^\d+$/.test(f.listen) ? Number(f.listen) : f.listen;
    spec.web = { ...obj(base.web), server: f.web, serverName: f.serverName, listen, mount: f.mount || "/" };
  } else delete spec.web;
  return spec;
}

/** The preset a saved spec most likely came from (its command's program), for the edit form. */
export function runtimeOfSpec(spec: unknown): Runtime {
  const s = obj(spec);
  if (s.fpm !== undefined) return "php-fpm";
  const argv = Array.isArray(s.command) ? s.command.filter((a): a is string => typeof a === "string") : [];
  const program = (argv[0] ?? "").split("/").pop() ?? "";
  if (program.startsWith("php-cgi")) return "php-cgi";
  if (program.startsWith("uwsgi")) return "python-uwsgi";
  if (program.startsWith("python")) return "python-flup";
  if (program.startsWith("perl")) return "perl-fcgi";
  if (program === "node" || program.startsWith("nodejs")) return "node";
  return "custom";
}

/** The edit form of a saved spec: the script is the command's script argument, if it has one. */
export function editForm(spec: unknown): AppForm {
  const s = obj(spec);
  const runtime = runtimeOfSpec(s);
  const blank: AppForm = { ...initialForm(typeof s.hostId === "string" ? s.hostId : ""), runtime, socketPath: "", scriptFilename: "" };
  const form = specToForm(s, blank);
  const argv = form.command.split("\n");
  const params = obj(s.fastcgiParams);
  const script = typeof params.SCRIPT_FILENAME === "string" ? params.SCRIPT_FILENAME : (argv.slice(1).find((a) => a.startsWith("/")) ?? "");
  return { ...form, runtime, script };
}

/** The form again from a spec edited as JSON (what the form has no field for stays in the JSON only). */
export function specToForm(spec: unknown, fallback: AppForm): AppForm {
  if (!spec || typeof spec !== "object") return fallback;
  const s = spec as Record<string, unknown>;
  const str = (v: unknown, d: string) => (typeof v === "string" ? v : d);
  const socket = (s.socket ?? {}) as Record<string, unknown>;
  const web = s.web as Record<string, unknown> | undefined;
  const params = (s.fastcgiParams ?? {}) as Record<string, unknown>;
  return {
    ...fallback,
    hostId: str(s.hostId, fallback.hostId),
    runtime: s.fpm !== undefined ? "php-fpm" : fallback.runtime === "php-fpm" ? "php-cgi" : fallback.runtime,
    name: str(s.name, fallback.name),
    user: str(s.user, ""),
    command: Array.isArray(s.command) ? s.command.filter((a): a is string => typeof a === "string").join("\n") : fallback.command,
    cwd: str(s.cwd, ""),
    processes: typeof s.processes === "number" ? s.processes : fallback.processes,
    socketPath: str(socket.path, fallback.socketPath),
    bind: socket.bind === "app" ? "app" : "agent",
    scriptFilename: str(params.SCRIPT_FILENAME, ""),
    web: web && typeof web.server === "string" && ["nginx", "lighttpd", "apache"].includes(web.server) ? (web.server as WebChoice) : "none",
    serverName: web ? str(web.serverName, "") : fallback.serverName,
    listen: web ? String(web.listen ?? "80") : fallback.listen,
    mount: web ? str(web.mount, "/") : fallback.mount,
  };
}
