// A child process of the agent: drops to the app's user first, then unpacks the archive it reads
// on stdin (tar or tar.gz) into argv[2] with node-tar, every entry judged by archive-policy.ts
// before it is written. Prints one JSON line: {ok, entries} or {ok: false, message}.
import { lstatSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { x } from "tar";
import { ARCHIVE_LIMITS, ArchiveJudge } from "./archive-policy";
import { findEscapingLink, TOO_MANY, unexpectedType } from "./release-walk";

type Args = { dest: string; uid?: number; gid?: number; maxEntries?: number; maxBytes?: number };

function dropPrivileges(uid?: number, gid?: number): void {
  if (gid !== undefined) {
    process.setgroups?.([gid]);
    process.setgid?.(gid);
  }
  if (uid !== undefined) process.setuid?.(uid);
}

function emptyDir(dir: string): void {
  for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { recursive: true, force: true });
}

async function main(): Promise<{ ok: true; entries: number } | { ok: false; message: string }> {
  const args = JSON.parse(process.argv[2] ?? "{}") as Args;
  dropPrivileges(args.uid, args.gid);
  if (args.uid !== undefined && process.getuid?.() !== args.uid) return { ok: false, message: "Could not switch to the app's user to unpack." };
  const limits = { maxEntries: args.maxEntries ?? ARCHIVE_LIMITS.maxEntries, maxBytes: args.maxBytes ?? ARCHIVE_LIMITS.maxBytes };
  const judge = new ArchiveJudge(limits);
  let entries = 0;
  let broken: string | null = null;
  const dest = lstatSync(args.dest).isDirectory() ? args.dest : null;
  if (!dest) return { ok: false, message: "The release directory is missing." };
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
    process.stdin.on("error", () => unpack.end());
    process.stdin.pipe(unpack);
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

main().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e: unknown) => process.stdout.write(`${JSON.stringify({ ok: false, message: `Unpacking failed: ${e instanceof Error ? e.message : String(e)}` })}\n`),
);
