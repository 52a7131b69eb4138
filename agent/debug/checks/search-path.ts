// The module search path the app's interpreter has as the app's user, in its cwd, with its env:
// Python's sys.path (with the script's directory first, as when running the script) or Perl's @INC.
import path from "node:path";
import { findOnPath, type LaunchPlan } from "../../supervisor/launch-plan";
import { captureCommand } from "../capture";

const PY = "import sys, os, json\nif len(sys.argv) > 1: sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[1]))\nprint(json.dumps(sys.path))";

export async function moduleSearchPath(
  plan: LaunchPlan,
  language: "python" | "perl",
  interpreter: string | null,
  script: string | null,
): Promise<string[] | null> {
  const base = interpreter ? path.basename(interpreter) : "";
  const wanted = language === "python" ? /^python/ : /^perl/;
  const file = interpreter && wanted.test(base) ? interpreter : findOnPath(language === "python" ? "python3" : "perl", plan.env.PATH);
  if (!file) return null;
  const args = language === "python" ? ["-c", PY, ...(script ? [script] : [])] : ["-e", "print join(qq{\\n}, @INC)"];
  const res = await captureCommand({ file, args, cwd: plan.cwd, env: plan.env, uid: plan.uid, gid: plan.gid, timeoutMs: 5000 });
  if (res.code !== 0) return null;
  if (language === "perl") return res.stdout.split("\n").filter(Boolean);
  try {
    const parsed: unknown = JSON.parse(res.stdout.trim().split("\n").pop() ?? "");
    return Array.isArray(parsed) ? parsed.map(String) : null;
  } catch {
    return null;
  }
}
