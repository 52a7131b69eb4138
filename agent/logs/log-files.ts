// Reading an app's rotated log files (`app.log.N` oldest … `app.log` newest) safely while the sink
// keeps writing and rotating: files are opened first, so a rename mid-read cannot swap their content.
// Each log file comes with its index (`app.idx.N`), paired by the log's inode, not by name.
import { type FileHandle, open, readdir } from "node:fs/promises";
import path from "node:path";
import { type OpenIndex, parseIndexHeader } from "./log-index";

export type OpenLogFile = {
  path: string;
  handle: FileHandle;
  /** Inode: survives the rename that rotation does, so a cursor can find its file again. */
  ino: number;
  /** Size when opened; bytes appended later are not read in this pass. */
  size: number;
  /** The first bytes of the file, hex: guards against a reused inode. */
  head: string;
  /** Who wrote which lines; null for a file written before indexes existed (one prefix per line). */
  index: OpenIndex | null;
};

const NAME = /^app\.log(?:\.(\d+))?$/;
const INDEX_NAME = /^app\.idx(?:\.\d+)?$/;
const HEAD_BYTES = 32;
const CHUNK = 64 * 1024;

/** Opens every log file of `dir`, oldest first. The caller must `closeLogFiles` them. */
export async function openLogFiles(dir: string): Promise<OpenLogFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no log yet
  }
  const ordered = names
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ name, index: m[1] === undefined ? 0 : Number(m[1]) }))
    .sort((a, b) => b.index - a.index);
  const files: OpenLogFile[] = [];
  const seen = new Set<number>();
  for (const { name } of ordered) {
    const file = path.join(dir, name);
    let handle: FileHandle;
    try {
      handle = await open(file, "r");
    } catch {
      continue; // rotated away between readdir and open
    }
    const st = await handle.stat();
    // A rotation between readdir and open can show one file under two names: keep the first (older) slot.
    if (seen.has(st.ino)) {
      await handle.close();
      continue;
    }
    seen.add(st.ino);
    const headBuf = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
    if (headBuf.length) await handle.read(headBuf, 0, headBuf.length, 0);
    files.push({ path: file, handle, ino: st.ino, size: st.size, head: headBuf.toString("hex"), index: null });
  }
  // Opened after the logs: the sink writes a batch's record before its bytes, so every line of a
  // log opened above already has its record.
  for (const name of names.filter((n) => INDEX_NAME.test(n))) {
    const index = await openIndex(path.join(dir, name));
    if (!index) continue;
    const file = files.find((f) => f.ino === index.logIno && !f.index);
    if (file) file.index = { handle: index.handle, size: index.size };
    else await index.handle.close();
  }
  return files;
}

async function openIndex(file: string): Promise<(OpenIndex & { logIno: number }) | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch {
    return null; // rotated away meanwhile
  }
  const size = (await handle.stat()).size;
  const first = Buffer.alloc(Math.min(64, size));
  await handle.read(first, 0, first.length, 0);
  const logIno = parseIndexHeader(first.toString("latin1").split("\n")[0]);
  if (logIno === null) {
    await handle.close();
    return null;
  }
  return { handle, size, logIno };
}

export async function closeLogFiles(files: OpenLogFile[]): Promise<void> {
  await Promise.all(files.flatMap((f) => [f.handle, f.index?.handle].map((h) => h?.close().catch(() => undefined))));
}

export type RawLine = { text: string; offset: number; bytes: number };

/**
 * Yields the lines that end at or before byte `end`, newest first, each with its start offset.
 * `end` must be a line start or the file size; an unterminated last line (a write in progress) is skipped.
 */
export async function* readLinesBackward(file: { handle: FileHandle }, end: number): AsyncGenerator<RawLine> {
  let pos = end;
  let tail: Buffer = Buffer.alloc(0); // bytes [pos, pos + tail.length): the start of that line is not read yet
  let first = true;
  while (pos > 0) {
    const n = Math.min(CHUNK, pos);
    const chunk = Buffer.alloc(n);
    const { bytesRead } = await file.handle.read(chunk, 0, n, pos - n);
    pos -= n;
    let data = tail.length ? Buffer.concat([chunk.subarray(0, bytesRead), tail]) : chunk.subarray(0, bytesRead);
    if (first) {
      const lastNl = data.lastIndexOf(0x0a);
      if (lastNl < 0) continue; // still inside a partial last line
      first = false;
      data = data.subarray(0, lastNl + 1); // drop a partial last line
    }
    let r = data.length; // data[r - 1] is the newline ending the line being looked for
    while (r >= 2) {
      const nl = data.lastIndexOf(0x0a, r - 2);
      if (nl < 0) break;
      yield { text: data.toString("utf8", nl + 1, r - 1), offset: pos + nl + 1, bytes: r - nl - 1 };
      r = nl + 1;
    }
    tail = data.subarray(0, r);
  }
  if (tail.length) yield { text: tail.toString("utf8", 0, tail.length - 1), offset: 0, bytes: tail.length };
}
