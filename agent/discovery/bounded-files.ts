// Reads the config files discovery looks at, with bounds: at most MAX_FILES files of at most
// MAX_BYTES each, MAX_DEPTH directories deep, each real file once (sites-enabled links to
// sites-available). Nothing found is ever executed; a file that cannot be read is skipped.
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

export const MAX_FILES = 400;
export const MAX_BYTES = 256 * 1024;
const MAX_DEPTH = 4;

export type ConfigFile = { path: string; text: string };

/** The first MAX_BYTES of a regular file, or null. */
export function readBounded(file: string): string | null {
  let fd: number | null = null;
  try {
    if (!statSync(file).isFile()) return null;
    fd = openSync(file, "r");
    const buf = Buffer.alloc(MAX_BYTES);
    const n = readSync(fd, buf, 0, MAX_BYTES, 0);
    const text = buf.subarray(0, n).toString("utf8");
    return text.includes("\u0000") ? null : text; // a binary file is no config
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Every readable file under `roots` (files or directories) whose name `accept` takes, in a stable
 * order, each real path once. `seen` is shared across calls so one scan never reads a file twice.
 */
export function configFiles(roots: string[], accept: (name: string) => boolean, seen = new Set<string>(), budget = { files: MAX_FILES }): ConfigFile[] {
  const out: ConfigFile[] = [];
  const visit = (p: string, depth: number) => {
    if (budget.files <= 0 || depth > MAX_DEPTH) return;
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(real);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(real).sort();
      } catch {
        return;
      }
      for (const n of names) if (!n.startsWith(".")) visit(path.join(p, n), depth + 1);
      return;
    }
    if (!st.isFile() || !accept(path.basename(p))) return;
    budget.files--;
    const text = readBounded(real);
    if (text !== null) out.push({ path: p, text });
  };
  for (const r of roots) visit(r, 0);
  return out;
}

/** 1-based line of a character offset, for "file:line" in a candidate's source. */
export function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
