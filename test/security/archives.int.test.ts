// Security: release archives cannot escape their directory or create anything but files,
// directories and inside symlinks. Hostile archives are generated here (pax size mismatch, devices,
// fifos, hard links out, `..`, absolute paths, a symlink then a file through it, huge entry counts,
// and random mixes); each is unpacked for real as an unprivileged user, attempts and refusals are
// counted, and any that gets through (or leaves anything behind) fails the test.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Tally } from "./tally";
import { type FixtureEntry, makeTar, writeTarGz } from "@/agent/deploy/testing/make-tar";
import { unpackArchive } from "@/agent/deploy/unpack-archive";

const root = process.getuid?.() === 0;
const AS = root ? { uid: 65534, gid: 65534 } : {}; // nobody: the worker drops to the app's user
const tmp = mkdtempSync(path.join(tmpdir(), "stoker-sec-tar-"));
chmodSync(tmp, 0o755);
const tally = new Tally("item 2: release archives");
afterAll(() => {
  tally.report();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

let n = 0;
function fresh() {
  const dir = path.join(tmp, `case-${++n}`);
  mkdirSync(path.join(dir, "release"), { recursive: true });
  mkdirSync(path.join(dir, "outside"));
  chmodSync(dir, 0o755);
  return { dir, dest: path.join(dir, "release"), archive: path.join(tmp, `case-${n}.tar.gz`) };
}

/** Everything that is wrong with the result, as sentences (empty when the result is sound). */
function inspect(dir: string, dest: string, refused: boolean): string[] {
  const problems: string[] = [];
  const outside = readdirSync(path.join(dir, "outside"));
  if (outside.length) problems.push(`wrote outside the release: ${outside.join(", ")}`);
  const siblings = readdirSync(dir).filter((f) => f !== "release" && f !== "outside");
  if (siblings.length) problems.push(`wrote beside the release: ${siblings.join(", ")}`);
  const realDest = realpathSync(dest);
  const stack = [dest];
  let count = 0;
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      count++;
      const full = path.join(d, name);
      const st = lstatSync(full);
      if (!(st.isFile() || st.isDirectory() || st.isSymbolicLink())) problems.push(`${full} is neither file, directory nor symlink`);
      if (st.mode & 0o7000) problems.push(`${full} has setuid/setgid/sticky bits`);
      if (root && st.uid !== 65534) problems.push(`${full} is owned by uid ${st.uid}, not the app's user`);
      if (st.isSymbolicLink()) {
        try {
          const real = realpathSync.native(full);
          if (real !== realDest && !real.startsWith(`${realDest}/`)) problems.push(`${full} resolves outside: ${real}`);
        } catch {
          // dangling inside: nothing reached
        }
      }
      if (st.isDirectory()) stack.push(full);
    }
  }
  if (refused && count) problems.push(`a refused archive left ${count} entries in the release`);
  return problems;
}

/** The attack from the issue: the header says 0 bytes, the pax record says 1024: what follows is data to one reader and entries to another. */
function paxSizeMismatch(): Buffer {
  const hidden = makeTar([{ path: "dev", type: "chardev" }, { path: "../outside/pwned", content: "x" }]).subarray(0, 1024);
  const front = makeTar([{ path: "innocent.txt", content: "", pax: { size: "1024" } }]);
  const body = Buffer.concat([front.subarray(0, front.length - 1024), hidden, makeTar([{ path: "ok.txt", content: "ok" }])]);
  return body;
}

const HOSTILE: [string, () => Buffer][] = [
  ["a character device", () => makeTar([{ path: "null", type: "chardev" }])],
  ["a block device", () => makeTar([{ path: "sda", type: "blockdev" }])],
  ["a fifo", () => makeTar([{ path: "pipe", type: "fifo" }])],
  ["a hard link to /etc/passwd", () => makeTar([{ path: "pw", type: "hardlink", link: "/etc/passwd" }])],
  ["a hard link out with ..", () => makeTar([{ path: "pw", type: "hardlink", link: "../outside/x" }])],
  ["a ../ path", () => makeTar([{ path: "ok.txt", content: "x" }, { path: "../outside/pwned", content: "x" }])],
  ["a nested ../ path", () => makeTar([{ path: "a/../../outside/pwned", content: "x" }])],
  ["an absolute path", () => makeTar([{ path: `${tmp}/abs-pwned`, content: "x" }])],
  ["a symlink out, then a file through it", () => makeTar([{ path: "lnk", type: "symlink", link: "../outside" }, { path: "lnk/pwned", content: "x" }])],
  ["an inside symlink, then a file through it", () => makeTar([{ path: "sub/", type: "dir" }, { path: "lnk", type: "symlink", link: "sub" }, { path: "lnk/x", content: "x" }])],
  ["an absolute symlink", () => makeTar([{ path: "etc", type: "symlink", link: "/etc" }])],
  ["a directory turned into a symlink", () => makeTar([{ path: "d/", type: "dir" }, { path: "d", type: "symlink", link: "../outside" }, { path: "d/pwned", content: "x" }])],
  ["a pax path with ..", () => makeTar([{ path: "fine.txt", content: "x", pax: { path: "../outside/pwned" } }])],
  ["a pax linkpath out", () => makeTar([{ path: "l", type: "symlink", link: "ok", pax: { linkpath: "../../../etc" } }])],
];
// The caps, at a size a test can afford (the same code path as the defaults: 100,000 entries, 1 GiB).
const SMALL = { maxEntries: 1000, maxBytes: 1 << 20 };
const OVER_CAPS: [string, () => Buffer][] = [
  ["more entries than allowed", () => makeTar(Array.from({ length: 5000 }, (_, i) => ({ path: `f${i}`, content: "" })))],
  ["more bytes than allowed", () => makeTar([{ path: "big", content: "z".repeat(2 << 20) }])],
];

describe("hostile release archives", () => {
  it("refuses every one, leaving nothing inside or outside the release", async () => {
    const cases = [...HOSTILE.map(([l, m]) => [l, m, undefined] as const), ...OVER_CAPS.map(([l, m]) => [l, m, SMALL] as const)];
    for (const [label, make, limits] of cases) {
      await tally.attack(label, async () => {
        const { dir, dest, archive } = fresh();
        writeFileSync(archive, gzipSync(make()));
        const r = await unpackArchive(archive, dest, { ...AS, limits });
        const problems = inspect(dir, dest, !r.ok);
        if (r.ok) problems.unshift("accepted");
        return problems.length === 0 || problems.join("; ");
      });
    }
    tally.expectAllRefused(cases.length);
  }, 240_000);

  it("reads a pax size that disagrees with the header the one way it writes it: the hidden entries stay file data", async () => {
    const { dir, dest, archive } = fresh();
    writeFileSync(archive, gzipSync(paxSizeMismatch()));
    const r = await unpackArchive(archive, dest, AS);
    expect(inspect(dir, dest, !r.ok)).toEqual([]);
    expect(r).toEqual({ ok: true, entries: 2 });
    expect(readdirSync(dest).sort()).toEqual(["innocent.txt", "ok.txt"]);
    expect(lstatSync(path.join(dest, "innocent.txt")).size).toBe(1024); // the "device" is bytes in a file
  }, 60_000);

  it("never lets a random mix of good and hostile entries escape or create anything else", async () => {
    const good = fc.constantFrom<FixtureEntry>(
      { path: "a.txt", content: "a" },
      { path: "dir/", type: "dir" },
      { path: "dir/b.txt", content: "b" },
      { path: "in-link", type: "symlink", link: "dir/b.txt" },
      { path: "up-link", type: "symlink", link: "dir/../a.txt" },
      { path: "hard", type: "hardlink", link: "a.txt" },
    );
    const bad = fc.constantFrom<FixtureEntry>(
      { path: "../outside/p1", content: "x" },
      { path: "out", type: "symlink", link: "../outside" },
      { path: "out/p2", content: "x" },
      { path: "dir", type: "symlink", link: "../outside" },
      { path: "dir/p3", content: "x" },
      { path: "self", type: "symlink", link: "." },
      { path: "self/../outside/p4", content: "x" },
      { path: "esc", type: "symlink", link: "self/../outside" },
      { path: "hl", type: "hardlink", link: "../outside/x" },
      { path: "fifo", type: "fifo" },
      { path: "dev", type: "chardev" },
      { path: "x.txt", content: "x", pax: { size: "2048" } },
    );
    let attempts = 0;
    const through: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(good, bad), { minLength: 1, maxLength: 8 }), async (entries) => {
        const { dir, dest, archive } = fresh();
        writeTarGz(archive, entries);
        attempts++;
        const r = await unpackArchive(archive, dest, AS);
        const problems = inspect(dir, dest, !r.ok);
        if (problems.length) through.push(`${JSON.stringify(entries)}: ${problems.join("; ")}`);
        // Counted as an attempt when it holds a hostile entry: it must be refused (or harmless) and leave nothing.
        await tally.attack(`random archive ${attempts}`, () => problems.length === 0 || problems.join("; "));
        return problems.length === 0;
      }),
      { numRuns: 25, seed: 17 },
    );
    expect(through, `${through.length} of ${attempts} random archives got through`).toEqual([]);
  }, 240_000);
});
