// Reading an app's rotated log files (`app.log.N` oldest … `app.log` newest) safely while the sink
// keeps writing and rotating: files are opened first, so a rename mid-read cannot swap their content.
import { type FileHandle, open, readdir } from "node:fs/promises";
import path from "node:path";

export type OpenLogFile = {
  path: string;
  handle: FileHandle;
  /** Inode: survives the rename that rotation does, so a cursor can find its file again. */
  ino: number;
  /** Size when opened; bytes appended later are not read in this pass. */
  size: number;
  /** The first bytes of the file, hex: guards against a reused inode. */
  head: string;
};

const NAME = /^app\.log(?:\.(\d+))?$/;
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
    files.push({ path: file, handle, ino: st.ino, size: st.size, head: headBuf.toString("hex") });
  }
  return files;
}

export async function closeLogFiles(files: OpenLogFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
}

export type RawLine = { text: string; offset: number; bytes: number };

/**
 * Yields the lines that end at or before byte `end`, newest first, each with its start offset.
 * `end` must be a line start or the file size; an unterminated last line (a write in progress) is skipped.
 */
export async function* readLinesBackward(file: OpenLogFile, end: number): AsyncGenerator<RawLine> {
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

/**
 * The whole history of an app's log as plain text, oldest first, for a download endpoint.
 * Every file is opened before the first byte is sent, so rotation during a slow download
 * neither repeats nor skips a file; lines appended after the start are not included.
 */
export async function* streamLogFile(dir: string): AsyncGenerator<Buffer> {
  const files = await openLogFiles(dir);
  try {
    for (const file of files) {
      let pos = 0;
      while (pos < file.size) {
        const buf = Buffer.alloc(Math.min(CHUNK, file.size - pos));
        const { bytesRead } = await file.handle.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    }
  } finally {
    await closeLogFiles(files);
  }
}
