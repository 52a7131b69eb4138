// Reads the entry list of a tar or tar.gz (ustar, GNU long names, pax) without extracting it, and
// judges it: no absolute paths, no `..`, no links leaving the release, no devices or fifos.
import { createReadStream } from "node:fs";
import path from "node:path";
import { createGunzip } from "node:zlib";

export type TarEntry = { path: string; type: "file" | "dir" | "symlink" | "hardlink" | "other"; typeflag: string; link: string; size: number };

const BLOCK = 512;

function cstr(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return (nul < 0 ? slice : slice.subarray(0, nul)).toString("utf8");
}

function octal(buf: Buffer, start: number, len: number): number {
  if (buf[start] & 0x80) {
    // GNU base-256 for sizes over 8 GiB
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = cstr(buf, start, len).trim();
  return s ? Number.parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(i, space).toString(), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.subarray(space + 1, i + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const KIND: Record<string, TarEntry["type"]> = { "0": "file", "\0": "file", "7": "file", "": "file", "5": "dir", "2": "symlink", "1": "hardlink" };
const META_LIMIT = 1 << 20; // a pax or long-name record larger than this is not a real archive

/** Lists the entries of a tar (gzipped or not). Rejects with a readable message on a corrupt archive. */
export async function readTarEntries(file: string, maxEntries = 200_000): Promise<TarEntry[]> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on("data", (c) => parts.push(Buffer.from(c)));
    s.on("end", () => resolve(Buffer.concat(parts)));
    s.on("error", reject);
  });
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const source = gz ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const entries: TarEntry[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let skip = 0; // data bytes (padded) of the current entry still to pass over
  let collect: { kind: string; size: number; parts: Buffer[]; got: number } | null = null;
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  let ended = false;

  const onHeader = (h: Buffer) => {
    if (h.every((b) => b === 0)) {
      ended = true;
      return;
    }
    if (!checksumOk(h)) throw new Error("This is not a valid tar archive (bad header checksum).");
    const typeflag = String.fromCharCode(h[156]);
    const size = octal(h, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "x" || typeflag === "L" || typeflag === "K" || typeflag === "g") {
      if (size > META_LIMIT) throw new Error("The archive has an oversized metadata record.");
      collect = { kind: typeflag, size, parts: [], got: 0 };
      skip = padded;
      return;
    }
    const magic = cstr(h, 257, 6);
    const prefix = magic.startsWith("ustar") ? cstr(h, 345, 155) : "";
    const name = cstr(h, 0, 100);
    const entryPath = pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const link = pax.linkpath ?? longLink ?? cstr(h, 157, 100);
    entries.push({ path: entryPath, type: KIND[typeflag] ?? "other", typeflag, link, size: pax.size ? Number(pax.size) : size });
    if (entries.length > maxEntries) throw new Error(`The archive has more than ${maxEntries} entries.`);
    pax = {};
    longName = null;
    longLink = null;
    // Links and directories carry no data even if a bogus size says otherwise.
    skip = typeflag === "0" || typeflag === "\0" || typeflag === "7" || KIND[typeflag] === undefined ? padded : 0;
  };

  const onMeta = (m: { kind: string; size: number; parts: Buffer[] }) => {
    const data = Buffer.concat(m.parts).subarray(0, m.size);
    if (m.kind === "x") pax = paxRecords(data);
    else if (m.kind === "L") longName = cstr(data, 0, data.length);
    else if (m.kind === "K") longLink = cstr(data, 0, data.length);
    // "g" (global pax, e.g. git archive's commit comment) sets nothing we rely on.
  };

  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
    let off = 0;
    while (!ended) {
      if (skip > 0) {
        const n = Math.min(skip, pending.length - off);
        if (n <= 0) break;
        if (collect) {
          const c: { kind: string; size: number; parts: Buffer[]; got: number } = collect;
          c.parts.push(pending.subarray(off, off + n));
          c.got += n;
        }
        off += n;
        skip -= n;
        if (skip === 0 && collect) {
          onMeta(collect);
          collect = null;
        }
        continue;
      }
      if (pending.length - off < BLOCK) break;
      onHeader(pending.subarray(off, off + BLOCK));
      off += BLOCK;
      if (collect && skip === 0) {
        onMeta(collect);
        collect = null;
      }
    }
    pending = Buffer.from(pending.subarray(off));
    if (ended) break;
  }
  if (!ended && (skip > 0 || pending.length > 0)) throw new Error("The archive is truncated.");
  return entries;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Normalized relative path of an entry inside the release, or the reason it may not be extracted. */
function insidePath(p: string): { ok: true; rel: string } | { ok: false; why: string } {
  if (CONTROL.test(p)) return { ok: false, why: "has control characters in its name" };
  if (p.startsWith("/")) return { ok: false, why: "is an absolute path" };
  if (p.split("/").includes("..")) return { ok: false, why: "contains '..'" };
  return { ok: true, rel: path.posix.normalize(p).replace(/\/$/, "") };
}

/** Null when every entry stays inside the release, else a message naming the first bad entry. */
export function checkTarEntries(entries: TarEntry[]): string | null {
  const symlinks = new Set<string>();
  for (const e of entries) {
    const where = insidePath(e.path);
    if (!where.ok) return `Refused: the entry "${e.path}" ${where.why}.`;
    if (e.type === "other") return `Refused: the entry "${e.path}" is a device, fifo or unknown type (${JSON.stringify(e.typeflag)}).`;
    if (e.type === "symlink") {
      if (e.link.startsWith("/")) return `Refused: the symlink "${e.path}" points to an absolute path (${e.link}).`;
      if (CONTROL.test(e.link)) return `Refused: the symlink "${e.path}" has control characters in its target.`;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(where.rel), e.link));
      if (target === ".." || target.startsWith("../")) return `Refused: the symlink "${e.path}" points outside the release (${e.link}).`;
      symlinks.add(where.rel);
    }
    if (e.type === "hardlink") {
      const target = insidePath(e.link);
      if (!target.ok) return `Refused: the hard link "${e.path}" points outside the release (${e.link}).`;
    }
  }
  // An entry written through a symlink the archive itself creates could land anywhere that link
  // reaches at extraction time; refuse the pattern outright.
  for (const e of entries) {
    const where = insidePath(e.path);
    if (!where.ok) continue;
    if (e.type === "hardlink" && symlinks.has(path.posix.normalize(e.link).replace(/\/$/, ""))) {
      return `Refused: the hard link "${e.path}" points to a symlink of the archive.`;
    }
    const segs = where.rel.split("/");
    for (let i = 1; i < segs.length; i++) {
      if (symlinks.has(segs.slice(0, i).join("/"))) return `Refused: the entry "${e.path}" goes through a symlink of the archive.`;
    }
  }
  return null;
}
