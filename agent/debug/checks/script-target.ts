// Which file is "the script" of an app: command[0] itself, or the script argument of an
// interpreter (python3 app.fcgi, perl app.fcgi, php -f x.php, uwsgi --wsgi-file app.py).
import { closeSync, openSync, readSync } from "node:fs";
import path from "node:path";
import type { LaunchPlan } from "../../supervisor/launch-plan";

export type ScriptTarget = {
  /** Absolute path of the script. */
  path: string;
  /** The interpreter the app is configured with (plan.file); null when exec'd directly or loaded by a server (uWSGI). */
  interpreter: string | null;
  /** True when the script itself is command[0], so the kernel reads its `#!` line. */
  direct: boolean;
};

const INTERPRETER = /^(python[\d.]*|perl[\d.]*|php(-cgi)?[\d.]*|ruby[\d.]*|node|nodejs|bash|sh|dash)$/;
// Options that take the next argument as their value (so it is not the script).
const VALUE_OPTS = new Set(["-W", "-X", "-Q", "-I", "-c", "-d", "-z", "-o", "-O", "-b"]);
// Options after which there is no script file at all (code from the command line or a module).
const NO_SCRIPT = { python: ["-m", "-c"], perl: ["-e", "-E"], php: ["-r"], ruby: ["-e"], node: ["-e", "-p"], bash: ["-c"], sh: ["-c"], dash: ["-c"] };
const SCRIPT_FLAGS = ["--wsgi-file", "--file", "--psgi", "--rack"];

function family(base: string): keyof typeof NO_SCRIPT {
  const m = base.match(/^(python|perl|php|ruby|node|bash|sh|dash)/);
  return (m?.[1] ?? "sh") as keyof typeof NO_SCRIPT;
}

export function findScript(plan: LaunchPlan): ScriptTarget | null {
  const base = path.basename(plan.file);
  const resolve = (p: string) => path.resolve(plan.cwd, p);
  if (/^uwsgi/.test(base)) {
    for (const [i, a] of plan.args.entries()) {
      const flag = SCRIPT_FLAGS.find((f) => a === f || a.startsWith(`${f}=`));
      if (!flag) continue;
      const value = a === flag ? plan.args[i + 1] : a.slice(flag.length + 1);
      if (value) return { path: resolve(value), interpreter: null, direct: false };
    }
    return null;
  }
  if (!INTERPRETER.test(base)) return { path: plan.file, interpreter: null, direct: true };
  const fam = family(base);
  for (let i = 0; i < plan.args.length; i++) {
    const a = plan.args[i];
    if (fam === "php" && a === "-f") return plan.args[i + 1] ? { path: resolve(plan.args[i + 1]), interpreter: plan.file, direct: false } : null;
    if (NO_SCRIPT[fam].includes(a)) return null;
    if (a === "--") return plan.args[i + 1] ? { path: resolve(plan.args[i + 1]), interpreter: plan.file, direct: false } : null;
    if (a.startsWith("-")) {
      if (VALUE_OPTS.has(a) && !(fam === "php" && a === "-b")) i++;
      continue;
    }
    return { path: resolve(a), interpreter: plan.file, direct: false };
  }
  return null;
}

export type Shebang = { line: string; interpreter: string; arg: string | null; crlf: boolean };

/** The first bytes of a file (enough for its `#!` line and a quick source scan). */
export function readHead(file: string, bytes = 64 * 1024): Buffer | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, "r");
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export function parseShebang(head: Buffer): Shebang | null {
  if (head.subarray(0, 2).toString("latin1") !== "#!") return null;
  const nl = head.indexOf(0x0a);
  const raw = head.subarray(2, nl < 0 ? Math.min(head.length, 256) : nl).toString("latin1");
  const crlf = raw.endsWith("\r");
  // Like the kernel: the interpreter is the first word, the rest (one argument) follows it.
  const text = raw.replace(/\r$/, "").trim();
  const m = text.match(/^(\S+)(?:\s+(.*))?$/);
  if (!m) return { line: `#!${raw}`, interpreter: "", arg: null, crlf };
  return { line: `#!${raw.replace(/\r$/, "")}`, interpreter: m[1], arg: m[2]?.trim() || null, crlf };
}
