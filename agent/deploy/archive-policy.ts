// What a release archive may contain, judged entry by entry as node-tar reads it (the same parser
// that then writes it, so the check and the extractor cannot disagree): regular files,
// directories, symlinks that stay inside the release and hard links to files already in it.
// Nothing else: no devices, fifos, absolute paths, `..`, writes through a symlink, duplicates.
import path from "node:path";

export type ArchiveLimits = { maxEntries: number; maxBytes: number };
export const ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 100_000, maxBytes: 1 << 30 };

/** The fields of a node-tar ReadEntry the judge looks at. */
export type EntryHead = { path: string; type: string; linkpath?: string; size?: number };

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const NAMES: Record<string, string> = {
  CharacterDevice: "a character device",
  BlockDevice: "a block device",
  FIFO: "a fifo",
  SparseFile: "a sparse file",
};
const BAD_CHARS = /[\u0000-\u001f\u007f\\]/;

/** Stateful: feed it every entry in archive order; the first refusal is final. */
export class ArchiveJudge {
  private entries = 0;
  private bytes = 0;
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly links = new Set<string>();
  refusal: string | null = null;

  constructor(private readonly limits: ArchiveLimits = ARCHIVE_LIMITS) {}

  /** The entry's normalised path if it may be extracted; null (and `refusal` set) if not. */
  judge(entry: EntryHead): string | null {
    if (this.refusal) return null;
    const problem = this.problem(entry);
    if (problem) {
      this.refusal = `Refused: ${problem}`;
      return null;
    }
    return clean(entry.path);
  }

  private problem(entry: EntryHead): string | null {
    if (++this.entries > this.limits.maxEntries) return `the archive has more than ${this.limits.maxEntries} entries.`;
    this.bytes += Math.max(0, entry.size ?? 0);
    if (this.bytes > this.limits.maxBytes) return `the archive unpacks to more than ${this.limits.maxBytes >> 20} MiB.`;
    const name = JSON.stringify(entry.path);
    if (BAD_CHARS.test(entry.path)) return `the entry ${name} has a control character or backslash in its name.`;
    if (entry.path.startsWith("/")) return `the entry ${name} has an absolute path.`;
    const p = clean(entry.path);
    if (p === null) return `the entry ${name} leaves the release ('..').`;
    for (let dir = path.posix.dirname(p); dir !== "."; dir = path.posix.dirname(dir)) {
      if (this.links.has(dir)) return `the entry ${name} would be written through the archive's own symlink "${dir}".`;
      if (this.files.has(dir)) return `the entry ${name} is below the file "${dir}".`;
    }
    const isDir = entry.type === "Directory";
    if (p === "" && isDir) return null; // "./": the release directory itself
    if (this.files.has(p) || this.links.has(p) || (this.dirs.has(p) && !isDir)) return `the entry ${name} appears twice.`;
    if (FILE_TYPES.has(entry.type)) this.files.add(p);
    else if (isDir) this.dirs.add(p);
    else if (entry.type === "SymbolicLink") {
      const target = entry.linkpath ?? "";
      if (!target || target.startsWith("/") || BAD_CHARS.test(target)) return `the symlink ${name} points to ${JSON.stringify(target)}, outside the release.`;
      if (clean(path.posix.join(path.posix.dirname(p), target)) === null) return `the symlink ${name} points to ${JSON.stringify(target)}, outside the release.`;
      this.links.add(p);
    } else if (entry.type === "Link") {
      const target = clean(entry.linkpath ?? "");
      if (target === null || !this.files.has(target)) return `the hard link ${name} points to ${JSON.stringify(entry.linkpath ?? "")}, which is not a file of this archive.`;
      this.files.add(p);
    } else return `the entry ${name} is ${NAMES[entry.type] ?? `of type ${entry.type}`}; only files, directories and symlinks are allowed.`;
    return null;
  }
}

/** "./a//b/" → "a/b"; null if it climbs above the root. */
function clean(p: string): string | null {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(seg);
  }
  // `..` is refused even when it stays inside: a name with it is never what a build produced.
  return p.split("/").includes("..") ? null : parts.join("/");
}
