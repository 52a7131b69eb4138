// The files of one app's log on disk: `app.log` → `app.log.1` → … rotated under the total cap, the
// same for each index (`app.idx`), the index paired with its log by the log's inode, and the base
// (the seq of the current file's first byte) kept beside them so it survives agent restarts.
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseIndexHeader } from "./log-index";

export type LogLimits = { fileBytes: number; totalBytes: number };

export const BASE_FILE = "app.log.base";

/** The seq of the current file's first byte, kept beside the log so it survives agent restarts. */
export function readBase(dir: string): number {
  try {
    return Number(readFileSync(path.join(dir, BASE_FILE), "utf8")) || 0;
  } catch {
    return 0;
  }
}

export function writeBase(dir: string, base: number): void {
  writeFileSync(path.join(dir, BASE_FILE), String(base));
}

function inoOf(file: string): number | null {
  return existsSync(file) ? statSync(file).ino : null;
}

/** The log inode an index file names in its header, or null. */
function indexedIno(indexFile: string): number | null {
  try {
    const fd = openSync(indexFile, "r");
    try {
      const head = Buffer.alloc(64);
      const n = readSync(fd, head, 0, head.length, 0);
      return parseIndexHeader(head.toString("latin1", 0, n).split("\n")[0]);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * Before the log is opened: an index left behind by a crash between the two halves of a rotation
 * joins its log (already renamed to `.1`), any other index not of this log goes. Returns the size
 * of a log with lines but no index (an older agent's, or a crash), which the caller must set aside
 * whole, so an index always covers its log from the first byte; null if there is none.
 */
export function pairIndexWithLog(file: string, indexFile: string, limits: LogLimits): number | null {
  const logIno = inoOf(file);
  const idxIno = indexedIno(indexFile);
  if (logIno !== null && idxIno === logIno) return null;
  if (idxIno !== null && idxIno === inoOf(`${file}.1`)) shiftNames(indexFile, limits);
  else rmSync(indexFile, { force: true });
  return logIno !== null && statSync(file).size > 0 ? statSync(file).size : null;
}

/** `file` → `file.1` → …, dropping what falls past the total cap. */
export function shiftNames(file: string, limits: LogLimits): void {
  const keep = Math.max(1, Math.floor(limits.totalBytes / limits.fileBytes) - 1);
  rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  }
  if (existsSync(file)) renameSync(file, `${file}.1`);
}
