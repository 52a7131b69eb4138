// Unpacks a tar or tar.gz stream into an empty release directory with node-tar, every entry judged
// by archive-policy.ts before it is written, then the tree checked again on disk. Runs as whoever
// should own the release: in the agent when that is the agent's own user, else in unpack-worker.ts.
import { lstatSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { type ArchiveLimits, ArchiveJudge } from "./archive-policy";
import { findEscapingLink, TOO_MANY, unexpectedType } from "./release-walk";

export type UnpackOutcome = { ok: true; entries: number } | { ok: false; message: string };

function emptyDir(dir: string): void {
  for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { recursive: true, force: true });
}

export async function unpackInto(dest: string, input: Readable, limits: ArchiveLimits): Promise<UnpackOutcome> {
  if (!lstatSync(dest).isDirectory()) return { ok: false, message: "The release directory is missing." };
  const judge = new ArchiveJudge(limits);
  let entries = 0;
  let broken: string | null = null;
  const { x } = await import("tar"); // loaded on the first deployment: an agent at rest does not hold it
  await new Promise<void>((resolve) => {
    const unpack = x({
      cwd: dest,
      // Not strict: a warning must not abort with writes still pending; any warning fails the
      // whole archive below, and everything after a refusal is skipped, not written.
      strict: false,
      preservePaths: false,
      preserveOwner: false,
      keep: true,
      maxDepth: 256,
      onwarn: (code, message) => {
        broken ??= /TAR_BAD_ARCHIVE|TAR_ABORT|zlib|Z_/i.test(`${code} ${message}`) ? "The archive could not be read (is it a .tar.gz?)." : `Refused: ${message}.`;
      },
      filter: (_p, entry) => {
        if (!("type" in entry) || broken) return false;
        if (judge.judge({ path: entry.path, type: entry.type, linkpath: entry.linkpath, size: entry.size }) === null) return false;
        entries++;
        if (typeof entry.mode === "number") entry.mode &= 0o777; // no setuid, setgid or sticky bits
        return true;
      },
    });
    // "close" comes once every pending write has finished: only then is the tree checked.
    unpack.on("close", () => resolve());
    unpack.on("error", (e: Error) => {
      broken ??= `The archive could not be unpacked: ${e.message}`;
      setTimeout(resolve, 200);
    });
    input.on("error", () => unpack.end());
    input.pipe(unpack);
  });
  // Checked again on disk, by the kernel: links that escape through other links, and anything that
  // is not a file, directory or symlink. Both walks fail closed past the entry cap.
  const problem = judge.refusal ?? broken ?? (entries === 0 ? "The archive could not be read (is it a .tar.gz?)." : null) ?? checkTree(dest, limits.maxEntries + 1);
  if (problem) {
    emptyDir(dest);
    return { ok: false, message: problem };
  }
  return { ok: true, entries };
}

function checkTree(dest: string, cap: number): string | null {
  const escaping = findEscapingLink(dest, cap);
  if (escaping === TOO_MANY) return "Refused: the release holds more entries than the archive had.";
  if (escaping) return `Refused: the symlink "${escaping}" resolves outside the release.`;
  const odd = unexpectedType(dest, cap);
  if (odd === TOO_MANY) return "Refused: the release holds more entries than the archive had.";
  return odd ? `Refused: "${odd}" is not a file, directory or symlink.` : null;
}
