// How much room the log files may still take on their filesystem. Logs stop short of filling it
// (journald's keep-free idea): the last few percent stay for the agent's state file, the database
// beside it and the rest of the host, and "disk full" is declared here before ENOSPC is reached.
import { statfsSync } from "node:fs";

/** Free space the logs leave alone: 5% of the filesystem, at most 256 MiB, at least 1 MiB. */
export function keepFreeBytes(totalBytes: number): number {
  return Math.max(1 << 20, Math.min(Math.floor(totalBytes * 0.05), 256 << 20));
}

const RECHECK_MS = 250;

export type DiskRoom = { freeBytes: number; totalBytes: number; keepFreeBytes: number };

export function diskRoom(dir: string): DiskRoom | null {
  try {
    const s = statfsSync(dir);
    const totalBytes = s.blocks * s.bsize;
    return { freeBytes: s.bavail * s.bsize, totalBytes, keepFreeBytes: keepFreeBytes(totalBytes) };
  } catch {
    return null; // no statfs here: only ENOSPC tells
  }
}

/**
 * Answers "may this many more bytes be written?" cheaply: statfs at most every 250 ms, or sooner
 * once the bytes written since the last look could have used up the margin.
 */
export class RoomGuard {
  private room: DiskRoom | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private writtenSince = 0;

  constructor(private readonly dir: string) {}

  allows(bytes: number, now = performance.now()): boolean {
    const margin = this.room ? this.room.freeBytes - this.room.keepFreeBytes : 0;
    if (!this.room || now - this.checkedAt >= RECHECK_MS || this.writtenSince + bytes > margin / 2) {
      this.room = diskRoom(this.dir);
      this.checkedAt = now;
      this.writtenSince = 0;
      if (!this.room) return true;
    }
    if (this.room.freeBytes - this.writtenSince - bytes < this.room.keepFreeBytes) return false;
    this.writtenSince += bytes;
    return true;
  }
}
