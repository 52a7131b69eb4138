// Crash testing: with STOKER_FAILPOINT=<name> the agent SIGKILLs itself at the step of that name, so
// a test can prove recovery from a crash at exactly that step (an agent restart mid rolling restart).
// STOKER_FAILPOINT_FILE=<file> arms one crash at a time instead: the step named in that file kills the
// agent once (the file is removed first), so a restarted agent with the same environment runs on.
import { readFileSync, unlinkSync } from "node:fs";

export function failpoint(name: string): void {
  if (process.env.STOKER_FAILPOINT === name || armed(name)) process.kill(process.pid, "SIGKILL");
}

function armed(name: string): boolean {
  const file = process.env.STOKER_FAILPOINT_FILE;
  if (!file) return false;
  try {
    if (readFileSync(file, "utf8").trim() !== name) return false;
    unlinkSync(file);
    return true;
  } catch {
    return false; // not armed
  }
}
