// Import failures in what the app printed: a Python ImportError/ModuleNotFoundError traceback or
// Perl's "Can't locate X.pm in @INC". Reported with the traceback and the module path it searched.
import type { DoctorFinding } from "../../../lib/protocol";

export type ImportFailure = { language: "python" | "perl"; module: string; traceback: string };

export function findImportFailure(output: string): ImportFailure | null {
  const lines = output.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(?:\S+\.)?(ModuleNotFoundError|ImportError)(?::\s*(.*))?$/);
    if (m) {
      // Walk back to the start of this traceback (chained tracebacks keep their own header).
      let start = i;
      while (start > 0 && !lines[start].startsWith("Traceback (most recent call last)")) start--;
      const mod = m[2]?.match(/named '([^']+)'|cannot import name '([^']+)'/);
      return { language: "python", module: mod?.[1] ?? mod?.[2] ?? (m[2] ?? ""), traceback: lines.slice(start, i + 1).join("\n") };
    }
    const perl = lines[i].match(/^Can't locate (\S+\.pm) in @INC(?: \(you may need to install the (\S+) module\))?/);
    if (perl) return { language: "perl", module: perl[2] ?? perl[1], traceback: lines[i] };
  }
  return null;
}

export function importErrorFinding(failure: ImportFailure, searchPath: string[] | null, who: string): DoctorFinding {
  const pathText = searchPath ? `\n\n${failure.language === "python" ? "sys.path" : "@INC"} as ${who} in the app's cwd and env:\n${searchPath.map((p) => `  ${p || "(cwd)"}`).join("\n")}` : "";
  return {
    code: "import-error",
    severity: "error",
    title: `The app cannot import ${failure.module || "a module"}`,
    detail: `${failure.traceback}${pathText}`,
    fix:
      failure.language === "python"
        ? `Install ${failure.module || "the module"} for the interpreter the app runs with (as ${who}, e.g. into its virtualenv), or add its directory to PYTHONPATH in the app's env.`
        : `Install ${failure.module} (e.g. cpanm ${failure.module}) or add its directory to PERL5LIB in the app's env.`,
  };
}
