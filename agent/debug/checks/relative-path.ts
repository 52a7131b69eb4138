// "No such file or directory" for a relative name that does exist next to the script: the app
// assumes its cwd is the script's directory, and the agent (or web server) runs it elsewhere.
import { existsSync } from "node:fs";
import path from "node:path";
import type { DoctorFinding } from "../../../lib/protocol";

const PATTERNS = [
  /No such file or directory: '([^']+)'/g, // Python FileNotFoundError / IOError
  /(?:fopen|file_get_contents|include|require|include_once|require_once|file)\(([^)]+)\): [Ff]ailed to open stream: No such file or directory/g, // PHP
  /(?:open|read|load|find)\s+(?:file\s+)?['"`]?([^\s'"`:]+)['"`]?\s*:\s*No such file or directory/gi, // Perl die "Can't open $f: $!"
  /['"`]?([^\s'"`:]+)['"`]?: No such file or directory/g, // ENOENT: ... / generic
];

export function missingRelativeNames(output: string): string[] {
  const names = new Set<string>();
  for (const re of PATTERNS) {
    for (const m of output.matchAll(re)) {
      const name = m[1].trim().replace(/^['"]|['"]$/g, "");
      // A file name has a dot or a slash; this keeps words like "stream" out of the generic pattern.
      if (name && !path.isAbsolute(name) && !/\s/.test(name) && /[./]/.test(name)) names.add(name);
    }
  }
  return [...names];
}

export function checkRelativePaths(output: string, scriptPath: string | null, cwd: string): DoctorFinding[] {
  if (!scriptPath) return [];
  const scriptDir = path.dirname(scriptPath);
  if (path.resolve(scriptDir) === path.resolve(cwd)) return [];
  const hits = missingRelativeNames(output).filter((n) => existsSync(path.resolve(scriptDir, n)) && !existsSync(path.resolve(cwd, n)));
  return hits.map((name) => ({
    code: "relative-path" as const,
    severity: "error" as const,
    title: `"${name}" is opened relative to the working directory`,
    detail: `The app failed to open "${name}" (No such file or directory). It runs in ${cwd}, where ${path.resolve(cwd, name)} does not exist; ${path.resolve(scriptDir, name)} next to the script does.`,
    fix: `Set cwd to ${scriptDir} in the app spec, or open the file relative to the script (Python: os.path.join(os.path.dirname(os.path.abspath(__file__)), "${name}")).`,
  }));
}
