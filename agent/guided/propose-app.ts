// Reads a script's text (pure: the caller reads the file) and proposes the rest of an app spec:
// the interpreter from its shebang, whether it serves on the socket it inherits as fd 0 (flup's
// `WSGIServer(app).run()`, Perl FCGI, node-fastcgi `listen({fd: 0})`) or binds its own
// (`bindAddress='/path.sock'`), its cwd, a socket path and a mount. Each choice comes with a note.
import path from "node:path";
import type { Proposal, Runtime } from "../../lib/protocol/guided-messages";

export type ScriptFacts = {
  script: string;
  /** The script's first bytes (a shebang and the imports are near the top; bindAddress may be anywhere in a small script). */
  text: string;
  /** The file's owner, or null when it is root (an app should not run as root because its file is root's). */
  owner: string | null;
  name: string;
  socketDir: string;
  /** The absolute path of a program on the agent's PATH, or null. */
  which: (program: string) => string | null;
};

type Shebang = { interpreter: string; args: string[] } | null;

export function parseShebang(text: string, which: ScriptFacts["which"]): Shebang {
  const m = text.match(/^#!\s*(\S+)([^\n]*)/);
  if (!m) return null;
  const args = m[2].trim().split(/\s+/).filter(Boolean);
  // `#!/usr/bin/env python3`: the program env would find, named by its path here.
  if (path.basename(m[1]) === "env" && args.length) {
    const program = args.filter((a) => !a.startsWith("-"))[0] ?? args[0];
    return { interpreter: which(program) ?? program, args: args.slice(args.indexOf(program) + 1) };
  }
  return { interpreter: m[1], args };
}

export function detectRuntime(script: string, text: string, shebang: Shebang): Runtime {
  const ext = path.extname(script).toLowerCase();
  const interp = shebang ? path.basename(shebang.interpreter) : "";
  if (ext === ".php" || /^<\?php/.test(text)) return "php-cgi";
  if (/^python/.test(interp) || ext === ".py" || (ext === ".fcgi" && /\bimport\b/.test(text) && !/\buse\s+\w/.test(text))) {
    return /\bflup\b|WSGIServer\s*\(/.test(text) ? "python-flup" : "python-uwsgi";
  }
  if (/^perl/.test(interp) || ext === ".pl" || /^\s*use\s+(FCGI|CGI::Fast)\b/m.test(text)) return "perl-fcgi";
  if (/^node/.test(interp) || [".js", ".mjs", ".cjs"].includes(ext)) return "node";
  return "custom";
}

/** A Unix socket the script binds itself, if it names one. */
function boundPath(runtime: Runtime, text: string): string | null {
  const patterns: Partial<Record<Runtime, RegExp>> = {
    "python-flup": /bindAddress\s*=\s*(?:r?["'])(\/[^"']+)["']/,
    "perl-fcgi": /FCGI::OpenSocket\(\s*["'](\/[^"']+)["']/,
    node: /\.listen\(\s*["'](\/[^"']+\.sock)["']/,
  };
  const m = patterns[runtime] ? text.match(patterns[runtime]) : null;
  return m ? m[1] : null;
}

export function proposeApp(f: ScriptFacts, chosen?: Runtime): Proposal {
  const notes: string[] = [];
  const shebang = parseShebang(f.text, f.which);
  const detected = detectRuntime(f.script, f.text, shebang);
  const runtime = chosen ?? detected;
  if (chosen && chosen !== detected) notes.push(`The script looks like ${detected}; kept the ${chosen} preset you chose.`);
  else notes.push(`Runtime ${runtime}, from the script's ${shebang ? "shebang and " : ""}contents.`);
  const interpreter = (fallback: string) => {
    if (shebang) {
      notes.push(`Interpreter ${shebang.interpreter}, from the shebang line.`);
      return [shebang.interpreter, ...shebang.args];
    }
    const found = f.which(fallback) ?? `/usr/bin/${fallback}`;
    notes.push(`No shebang line: ${found}, found on the host's PATH.`);
    return [found];
  };
  let command: string[];
  const fastcgiParams: Record<string, string> = {};
  const env: Record<string, string> = {};
  switch (runtime) {
    case "php-cgi":
      command = [f.which("php-cgi") ?? "/usr/bin/php-cgi"];
      fastcgiParams.SCRIPT_FILENAME = f.script;
      notes.push("php-cgi finds the script only through SCRIPT_FILENAME: set to this file.");
      break;
    case "php-fpm":
      command = [f.which("php-fpm8.2") ?? f.which("php-fpm") ?? "/usr/sbin/php-fpm8.2"];
      fastcgiParams.SCRIPT_FILENAME = f.script;
      notes.push("php-fpm: one master forks the pool's children (its pm.* settings in \"fpm\"); the agent renders the pool and hands it the socket.");
      break;
    case "python-uwsgi": {
      const callable = /^application\s*=|^def application\b/m.test(f.text) ? [] : /^app\s*=/m.test(f.text) ? ["--callable", "app"] : [];
      command = [f.which("uwsgi") ?? "/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", f.script, ...callable, "--die-on-term"];
      notes.push(`A WSGI module without a FastCGI server of its own: uWSGI serves it on fd 0${callable.length ? " (its callable is `app`)" : ""}.`);
      break;
    }
    case "python-flup":
    case "perl-fcgi":
    case "node":
      command = [...interpreter(runtime === "node" ? "node" : runtime === "perl-fcgi" ? "perl" : "python3"), f.script];
      break;
    default:
      command = shebang ? [...interpreter("sh"), f.script] : [f.script];
  }
  const bound = boundPath(runtime, f.text);
  const socket = bound ? { path: bound, bind: "app" as const } : { path: path.join(f.socketDir, `${f.name}.sock`), bind: "agent" as const };
  if (bound) notes.push(`The script binds its own socket (${bound}): the agent waits for it instead of passing one as fd 0.`);
  else if (runtime === "python-flup") notes.push("WSGIServer(app) without bindAddress serves on fd 0: the agent owns the socket and passes it.");
  else notes.push(`The agent owns ${socket.path} and passes it as fd 0.`);
  if (f.owner) notes.push(`Runs as ${f.owner}, the script's owner.`);
  return { runtime, command, cwd: path.dirname(f.script), user: f.owner, socket, fastcgiParams, env, mount: "/", notes };
}
