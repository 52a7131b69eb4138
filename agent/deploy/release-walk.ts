// Walks an unpacked release as the kernel sees it: symlinks whose real target leaves the release,
// and entries that are not files, directories or symlinks. Both fail closed past their cap.
import { lstatSync, readdirSync, readlinkSync, realpathSync, type Stats } from "node:fs";
import path from "node:path";

/** What a walk returns when the tree holds more entries than its cap. */
export const TOO_MANY = "\u0000too-many";

function walk(root: string, cap: number, visit: (full: string, st: Stats) => string | null): string | null {
  const stack = [root];
  let seen = 0;
  while (stack.length) {
    const dir = stack.pop()!;
    for (const name of readdirSync(dir)) {
      if (++seen > cap) return TOO_MANY;
      const full = path.join(dir, name);
      const st = lstatSync(full);
      const found = visit(full, st);
      if (found) return found;
      if (st.isDirectory()) stack.push(full);
    }
  }
  return null;
}

/** The first symlink whose real target lies outside `root` (relative path), or null. */
export function findEscapingLink(root: string, cap = 500_000): string | null {
  const realRoot = realpathSync.native(root);
  return walk(realRoot, cap, (full, st) => {
    if (!st.isSymbolicLink()) return null;
    let real: string;
    try {
      real = realpathSync.native(full); // the kernel's answer: Node's JS realpath folds `..` lexically
    } catch {
      // Dangling (or unreadable): harmless while it reaches nothing, unless `..` could walk out of
      // the release through another link once its target exists.
      return readlinkSync(full).split("/").includes("..") ? path.relative(realRoot, full) : null;
    }
    return real !== realRoot && !real.startsWith(`${realRoot}/`) ? path.relative(realRoot, full) : null;
  });
}

/** The first entry that is not a regular file, directory or symlink (relative path), or null. */
export function unexpectedType(root: string, cap = 500_000): string | null {
  return walk(root, cap, (full, st) => (st.isFile() || st.isDirectory() || st.isSymbolicLink() ? null : path.relative(root, full)));
}
