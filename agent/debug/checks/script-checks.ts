// The script itself: it exists, the app's user may execute it, its `#!` line names an interpreter
// that exists (and has no CRLF), and that interpreter is the one the app is configured with.
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { DoctorFinding } from "../../../lib/protocol";
import { SYSTEM_PATH } from "../../supervisor/app-env";
import { findOnPath, type LaunchPlan } from "../../supervisor/launch-plan";
import { type Credentials, modeAllows } from "../access";
import { parseShebang, readHead, type ScriptTarget, type Shebang } from "./script-target";


function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** What a `#!` line runs for a given PATH: `/usr/bin/env python3` looks python3 up on that PATH. */
export function shebangProgram(sb: Shebang, searchPath: string): { name: string; resolved: string | null } {
  if (path.basename(sb.interpreter) === "env" && sb.arg) {
    const name = sb.arg.split(/\s+/).find((w) => !w.startsWith("-")) ?? "";
    return { name, resolved: name ? findOnPath(name, searchPath) : null };
  }
  return { name: sb.interpreter, resolved: isExecutableFile(sb.interpreter) ? sb.interpreter : null };
}

export function checkScript(target: ScriptTarget, plan: LaunchPlan, app: Credentials): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const file = target.path;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    return [
      {
        code: "script-missing",
        severity: "error",
        title: "The script does not exist",
        detail: `${file} was not found (cwd ${plan.cwd}).`,
        fix: "Deploy the script or correct the command in the app spec.",
      },
    ];
  }
  const head = readHead(file, 512) ?? Buffer.alloc(0);
  const sb = parseShebang(head);
  const direct = target.direct;

  // Run directly it must be executable; run through an interpreter, a `#!` still says it is meant to be.
  if (st.isFile() && (direct || sb) && !modeAllows(st, app, "x")) {
    findings.push({
      code: "not-executable",
      severity: direct ? "error" : "warning",
      title: "The script is not executable",
      detail: `${file} has mode 0${(st.mode & 0o777).toString(8)}: user "${app.name}" may not execute it${direct ? ", so exec fails with EACCES" : ""}.`,
      fix: `chmod 755 ${file}`,
    });
  }

  if (!sb) {
    const isElf = head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    if (direct && !isElf && st.isFile()) {
      findings.push({
        code: "bad-shebang",
        severity: "warning",
        title: "The script has no #! line",
        detail: `${file} is run directly but does not start with "#!", so the kernel cannot tell which interpreter to use.`,
        fix: "Add a first line such as #!/usr/bin/python3 (or run it through its interpreter in the command).",
      });
    }
    return findings;
  }

  const severity = direct ? "error" : "warning";
  const appPath = plan.env.PATH ?? SYSTEM_PATH;
  const prog = shebangProgram(sb, appPath);
  if (sb.crlf) {
    findings.push({
      code: "bad-shebang",
      severity,
      title: "The #! line ends with CRLF",
      detail: `${file} has Windows line endings: the kernel looks for the interpreter "${sb.interpreter}\\r"${sb.arg ? ` (argument "${sb.arg}\\r")` : ""}, which does not exist ("No such file or directory").`,
      fix: `sed -i 's/\\r$//' ${file}`,
    });
  } else if (!prog.resolved) {
    const alt = findOnPath(path.basename(prog.name), appPath);
    findings.push({
      code: "bad-shebang",
      severity,
      title: "The #! interpreter does not exist",
      detail: `${file} starts with "${sb.line}", but ${prog.name === sb.interpreter ? prog.name : `"${prog.name}" on the app's PATH (${appPath})`} does not exist or is not executable.`,
      fix: alt ? `Change the first line to #!${alt}` : `Install ${path.basename(prog.name)} or change the first line of ${file} to an interpreter that exists.`,
    });
  }

  if (!sb.crlf) {
    const mismatch = interpreterMismatch(target, sb, prog);
    if (mismatch) findings.push({ code: "interpreter-mismatch", severity: "error", title: "The #! interpreter differs from the one the app runs with", ...mismatch });
  }
  return findings;
}

function interpreterMismatch(
  target: ScriptTarget,
  sb: Shebang,
  prog: { name: string; resolved: string | null },
): { detail: string; fix: string } | null {
  const file = target.path;
  const viaEnv = prog.name !== sb.interpreter;
  // Compared with the configured interpreter; a directly exec'd `env` line with the system PATH.
  const configured = target.interpreter ?? (target.direct && viaEnv ? findOnPath(prog.name, SYSTEM_PATH) : null);
  if (!configured) return null;
  const configuredReal = real(configured) ?? configured;
  const how = viaEnv ? `${prog.name} on the app's PATH = ${prog.resolved ?? "not found"}` : sb.interpreter;
  if (prog.resolved) {
    const shebangReal = real(prog.resolved) ?? prog.resolved;
    if (shebangReal === configuredReal) return null;
  } else if (!target.interpreter || [path.basename(configured), path.basename(configuredReal)].includes(path.basename(prog.name))) {
    return null; // a missing interpreter of the same name is bad-shebang's business
  }
  return {
    detail: `${file} says "${sb.line}" (${how}${prog.resolved ? ` → ${real(prog.resolved) ?? prog.resolved}` : ""}), but the app ${target.interpreter ? "is started with" : "would get on the system PATH"} ${configured} (→ ${configuredReal}). Modules installed for one are missing in the other, so running it by hand differs from how it runs here.`,
    fix: target.interpreter
      ? `Make them agree: change the first line to #!${target.interpreter}${prog.resolved ? `, or set command[0] to ${prog.resolved}` : ""}.`
      : `Use an absolute interpreter in the first line (#!${configured}${prog.resolved ? ` or #!${prog.resolved}` : ""}), or fix PATH in the app's env.`,
  };
}
