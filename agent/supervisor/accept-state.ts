// Whether a FastCGI process is at work on the app's socket (its fd 0), read from /proc: blocked in
// accept() there, or holding a connection it accepted. Used by readiness (a new process is loaded)
// and by the log keeper (a replacement proved it starts, so its clean exit is a recycle).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** True once the process holds a socket besides the listening one on fd 0: it accepted a connection. */
export function hasAccepted(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => fd !== "0" && fd !== "3" && fd !== "4" && readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:"));
  } catch {
    return false;
  }
}

// accept(2) and accept4(2) by architecture: a process blocked in one on fd 0 waits for connections.
const ACCEPT_SYSCALLS: Record<string, number[]> = { x64: [43, 288], arm64: [202, 242] };

/** True if the process is blocked in accept() on its fd 0 (the app's socket): it is ready, no sampling needed. */
export function waitingInAccept(pid: number): boolean {
  const numbers = ACCEPT_SYSCALLS[process.arch];
  if (!numbers) return false;
  try {
    // "43 0x0 0x7ffd… …": the syscall it is blocked in and its arguments (root, or the same user).
    const [nr, fd] = readFileSync(`/proc/${pid}/syscall`, "utf8").split(" ");
    return numbers.includes(Number(nr)) && fd === "0x0";
  } catch {
    return false;
  }
}
