// App processes on a socket that the state file does not name: the agent forked them and was killed
// before it wrote their pid (a spawn takes tens of ms on a busy host). Found by their fd 0, the app's
// listening socket, as session leaders (the agent starts each process in a session of its own; a
// child an app process forks itself shares its parent's session and is not one of ours).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Pids of session leaders whose fd 0 is the socket with inode `inode`, except `named` and this process. */
export function unnamedOnSocket(inode: number, named: Set<number>): number[] {
  const want = `socket:[${inode}]`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (named.has(pid) || pid === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/fd/0`) !== want) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
      if (session === pid) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return found.sort((a, b) => a - b);
}
