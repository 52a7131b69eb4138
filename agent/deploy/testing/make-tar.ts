// Test support: writes tar / tar.gz files with exactly the entries a test wants, including the
// hostile ones (absolute paths, `..`, outward symlinks, devices) that real tar refuses to create.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** `pax`: extra pax records before the entry (e.g. a `size` that disagrees with the header's). */
type Common = { path: string; pax?: Record<string, string> };
export type FixtureEntry =
  | (Common & { type?: "file"; content?: string; mode?: number })
  | (Common & { type: "dir" })
  | (Common & { type: "symlink" | "hardlink"; link: string })
  | (Common & { type: "chardev" | "blockdev" | "fifo" });

const FLAG = { file: "0", dir: "5", symlink: "2", hardlink: "1", chardev: "3", blockdev: "4", fifo: "6" } as const;

function header(name: string, typeflag: string, size: number, link = "", mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => Buffer.from(s).copy(h, off, 0, len);
  const oct = (n: number, off: number, len: number) => put(`${n.toString(8).padStart(len - 1, "0")}\0`, off, len);
  put(name, 0, 100);
  oct(mode, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(1_700_000_000, 136, 12);
  h.fill(0x20, 148, 156);
  put(typeflag, 156, 1);
  put(link, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

function pad(buf: Buffer): Buffer {
  const rest = buf.length % 512;
  return rest ? Buffer.concat([buf, Buffer.alloc(512 - rest)]) : buf;
}

function paxRecord(key: string, value: string): string {
  const rec = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rec) + String(Buffer.byteLength(rec)).length;
  if (String(len).length !== String(Buffer.byteLength(rec)).length) len++;
  return `${len}${rec}`;
}

/** A pax extended header for the next entry (`path` for names longer than 100 bytes, or anything else). */
function paxHeader(records: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(records).map(([k, v]) => paxRecord(k, v)).join(""));
  return Buffer.concat([header("PaxHeader", "x", body.length), pad(body)]);
}

export function makeTar(entries: FixtureEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? "file";
    const content = type === "file" && "content" in e ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
    const link = "link" in e ? e.link : "";
    const pax = { ...(Buffer.byteLength(e.path) > 100 ? { path: e.path } : {}), ...e.pax };
    if (Object.keys(pax).length) parts.push(paxHeader(pax));
    const mode = "mode" in e && e.mode !== undefined ? e.mode : type === "dir" ? 0o755 : 0o644;
    parts.push(header(e.path.slice(0, 100), FLAG[type], content.length, link, mode));
    if (content.length) parts.push(pad(content));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function writeTarGz(file: string, entries: FixtureEntry[]): string {
  writeFileSync(file, gzipSync(makeTar(entries)));
  return file;
}
