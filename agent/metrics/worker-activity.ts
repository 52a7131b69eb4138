// Busy or idle, for each process of an app, read from /proc: a FastCGI worker blocked in accept(2)
// on the app's listening socket is idle; one that holds the socket and is doing anything else is
// busy; a manager waiting for its children (php-cgi's master with PHP_FCGI_CHILDREN, in wait4) is
// neither. /proc/PID/syscall names the blocking call and its first argument (the fd), which we
// match to the socket's inode; without it (no ptrace rights), the kernel's wait channel is a hint.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";

const SYSCALLS: Record<string, { accept: number[]; wait: number[] }> = {
  x64: { accept: [43, 288], wait: [61, 247] },
  arm64: { accept: [202, 242], wait: [260, 95] },
};
const NR = SYSCALLS[os.arch()] ?? SYSCALLS.x64;

export type ProcessActivity = { fds: number; role: "busy" | "idle" | "manager" | "other" };

function fdTargets(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        out.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone, or not ours to read
  }
  return out;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/** What process `pid` is doing with respect to the listener `inode` (null: the socket is not known). */
export function processActivity(pid: number, inode: number | null): ProcessActivity {
  const fds = fdTargets(pid);
  const target = inode === null ? null : `socket:[${inode}]`;
  const holds = target !== null && [...fds.values()].includes(target);
  if (!holds) return { fds: fds.size, role: "other" };
  // "43 0x0 0x7ffd…": blocked in syscall 43 with fd 0; "running" or "-1 …" when not blocked.
  const syscall = read(`/proc/${pid}/syscall`);
  if (syscall) {
    const [nr, arg0] = syscall.split(" ");
    const n = Number(nr);
    if (NR.wait.includes(n)) return { fds: fds.size, role: "manager" };
    if (NR.accept.includes(n) && fds.get(Number.parseInt(arg0, 16)) === target) return { fds: fds.size, role: "idle" };
    return { fds: fds.size, role: "busy" };
  }
  const wchan = read(`/proc/${pid}/wchan`) ?? "";
  if (wchan === "do_wait") return { fds: fds.size, role: "manager" };
  // Blocked in accept on a Unix (skb wait) or TCP (inet_csk_accept) listener.
  if (/accept|__skb_wait_for_more_packets/.test(wchan)) return { fds: fds.size, role: "idle" };
  return { fds: fds.size, role: "busy" };
}
