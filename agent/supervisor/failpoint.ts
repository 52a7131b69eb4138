// Crash testing: with STOKER_FAILPOINT=<name> the agent SIGKILLs itself at the step of that name, so
// a test can prove recovery from a crash at exactly that step (an agent restart mid rolling restart).
// STOKER_FAILPOINT_FILE=<file> arms one crash at a time instead: the step named in that file kills the
// agent once (the file is removed first), so a restarted agent with the same environment runs on.
// STOKER_HOLDPOINT_DIR=<dir> holds an interleaving instead: a step named by a file in <dir> waits
// there (the file renamed to <name>.held, so a test sees it is reached) until that file is removed.
import { existsSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import path from "node:path";

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

/** Waits at the step `name` while a test holds it there (STOKER_HOLDPOINT_DIR); at once otherwise. */
export async function holdpoint(name: string): Promise<void> {
  const dir = process.env.STOKER_HOLDPOINT_DIR;
  if (!dir) return;
  const held = path.join(dir, `${name}.held`);
  try {
    renameSync(path.join(dir, name), held);
  } catch {
    return; // not armed
  }
  while (existsSync(held)) await new Promise((r) => setTimeout(r, 5));
}
