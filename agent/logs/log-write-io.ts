// The log store's raw writes: whole writes or an error, taking bytes out of a pipe to forget them,
// and what a failed write is called in the outage note.
import { writeSync } from "node:fs";
import { readAvailable } from "../native";

/** Writes all of `bytes` (at `position`, else at the end), or throws: a short write (the disk filling mid-write) is followed by the error. */
export function writeAll(fd: number, bytes: Buffer, position?: number): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position === undefined ? null : position + at);
}

/** Takes `count` bytes out of pipe `fd`, which holds them, and forgets them. */
export function discard(fd: number, count: number): void {
  const buf = Buffer.alloc(Math.min(count, 1 << 16));
  for (let left = count; left > 0; ) {
    const n = readAvailable(fd, buf.subarray(0, Math.min(left, buf.length)));
    if (n <= 0) return; // it held less: nothing more to take
    left -= n;
  }
}

export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOSPC" || code === "EDQUOT" ? "disk full" : `cannot write (${code ?? String(e)})`;
}
