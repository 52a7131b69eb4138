// Unpacks an uploaded .tar.gz (or git's tar export) into a release directory, safely: the entry
// list is judged before /usr/bin/tar runs, and every symlink is checked again on disk afterwards.
import { lstatSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import { describeFailure, runCommand } from "./run-command";
import { checkTarEntries, readTarEntries } from "./tar-entries";

export type UnpackResult = { ok: true; entries: number } | { ok: false; message: string; output: string };

const TAR = "/usr/bin/tar";

export async function unpackArchive(
  archive: string,
  dest: string,
  opts: { timeoutMs?: number; onOutput?: (chunk: string) => void } = {},
): Promise<UnpackResult> {
  let entries: Awaited<ReturnType<typeof readTarEntries>>;
  try {
    entries = await readTarEntries(archive);
  } catch (e) {
    const message = e instanceof Error && /archive/.test(e.message) ? e.message : "The archive could not be read (is it a .tar.gz?).";
    return { ok: false, message, output: "" };
  }
  const problem = checkTarEntries(entries);
  if (problem) return { ok: false, message: problem, output: "" };
  const r = await runCommand(
    // -a: gzip or plain by content; no owners/permissions from the archive, never follow or
    // overwrite what is already there (the release directory is new and empty).
    [TAR, "-x", "-f", archive, "-C", dest, "--no-same-owner", "--no-same-permissions", "--keep-old-files", "--delay-directory-restore"],
    { cwd: dest, env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, timeoutMs: opts.timeoutMs ?? 300_000, onOutput: opts.onOutput },
  );
  if (!r.ok) return { ok: false, message: describeFailure("Unpacking the archive", r), output: r.output };
  const escaping = findEscapingLink(dest);
  if (escaping) return { ok: false, message: `Refused: the symlink "${escaping}" resolves outside the release.`, output: r.output };
  return { ok: true, entries: entries.length };
}

/** Walks a tree and returns the first symlink whose real target lies outside `root` (or null). */
export function findEscapingLink(root: string, maxEntries = 500_000): string | null {
  const realRoot = realpathSync.native(root);
  const stack = [realRoot];
  let seen = 0;
  while (stack.length) {
    const dir = stack.pop()!;
    for (const name of readdirSync(dir)) {
      if (++seen > maxEntries) return null;
      const full = path.join(dir, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync.native(full); // the kernel's answer: Node's JS realpath folds `..` lexically
        } catch {
          // Dangling: harmless while it reaches nothing, unless `..` could walk out of the release
          // through another link once its target exists. Plain names stay below the link's directory.
          if (readlinkSync(full).split("/").includes("..")) return path.relative(realRoot, full);
          continue;
        }
        if (real !== realRoot && !real.startsWith(`${realRoot}/`)) return path.relative(realRoot, full);
      } else if (st.isDirectory()) {
        stack.push(full);
      }
    }
  }
  return null;
}
