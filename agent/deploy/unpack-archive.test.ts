import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkTarEntries, readTarEntries } from "./tar-entries";
import { type FixtureEntry, makeTar, writeTarGz } from "./testing/make-tar";
import { findEscapingLink, unpackArchive } from "./unpack-archive";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-unpack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = path.join(tmp, `case-${++n}`);
  mkdirSync(path.join(dir, "release"), { recursive: true });
  return { archive: path.join(dir, "a.tar.gz"), dest: path.join(dir, "release"), dir };
};

describe("readTarEntries", () => {
  it("lists files, directories, links and pax long names of a gzipped archive", async () => {
    const long = `deep/${"x".repeat(150)}.txt`;
    const { archive } = fresh();
    writeTarGz(archive, [{ path: "app/", type: "dir" }, { path: "app/index.php", content: "<?php echo 1;" }, { path: "app/l", type: "symlink", link: "index.php" }, { path: long, content: "y" }]);
    const entries = await readTarEntries(archive);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["app/", "dir"],
      ["app/index.php", "file"],
      ["app/l", "symlink"],
      [long, "file"],
    ]);
    expect(entries[2].link).toBe("index.php");
  });

  it("rejects a file that is not a tar archive", async () => {
    const { archive } = fresh();
    writeFileSync(archive, "just some text, certainly not a tar header".repeat(20));
    await expect(readTarEntries(archive)).rejects.toThrow(/not a valid tar/);
  });
});

describe("checkTarEntries", () => {
  const bad: [string, FixtureEntry[]][] = [
    ["an absolute path", [{ path: "/etc/x", content: "x" }]],
    ["a .. entry", [{ path: "../evil", content: "x" }]],
    ["a nested .. entry", [{ path: "a/../../evil", content: "x" }]],
    ["a symlink to /", [{ path: "root", type: "symlink", link: "/" }]],
    ["a symlink climbing out", [{ path: "a/up", type: "symlink", link: "../../etc" }]],
    ["a hard link to /etc/passwd", [{ path: "pw", type: "hardlink", link: "/etc/passwd" }]],
    ["a write through the archive's own symlink", [{ path: "dir", type: "symlink", link: "sub" }, { path: "dir/x", content: "x" }]],
    ["a character device", [{ path: "null", type: "chardev" }]],
    ["a fifo", [{ path: "pipe", type: "fifo" }]],
    ["a newline in a name", [{ path: "a\nb", content: "x" }]],
  ];
  it.each(bad)("refuses %s", (_label, entries) => {
    const checked = checkTarEntries(entries.map((e) => ({ path: e.path, type: kind(e), typeflag: "?", link: "link" in e ? e.link : "", size: 0 })));
    expect(checked).toMatch(/^Refused:/);
  });

  it("accepts relative symlinks that stay inside, such as vendor/bin links", () => {
    const ok = checkTarEntries([
      { path: "vendor/pkg/bin/tool", type: "file", typeflag: "0", link: "", size: 1 },
      { path: "vendor/bin/tool", type: "symlink", typeflag: "2", link: "../pkg/bin/tool", size: 0 },
      { path: "./index.php", type: "file", typeflag: "0", link: "", size: 1 },
    ]);
    expect(ok).toBeNull();
  });
});

function kind(e: FixtureEntry) {
  const t = e.type ?? "file";
  return t === "chardev" || t === "fifo" ? ("other" as const) : t;
}

describe("unpackArchive", () => {
  it("extracts a clean archive with /usr/bin/tar", async () => {
    const { archive, dest } = fresh();
    writeTarGz(archive, [{ path: "index.php", content: "<?php echo 'hi';" }, { path: "lib/", type: "dir" }, { path: "lib/a.php", content: "a" }, { path: "link", type: "symlink", link: "lib/a.php" }]);
    const r = await unpackArchive(archive, dest);
    expect(r).toEqual({ ok: true, entries: 4 });
    expect(readFileSync(path.join(dest, "index.php"), "utf8")).toBe("<?php echo 'hi';");
    expect(readlinkSync(path.join(dest, "link"))).toBe("lib/a.php");
  });

  it("refuses a traversal archive before anything is written outside", async () => {
    const { archive, dest, dir } = fresh();
    writeTarGz(archive, [{ path: "ok.txt", content: "x" }, { path: "../evil", content: "owned" }]);
    const r = await unpackArchive(archive, dest);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('"../evil"');
    expect(existsSync(path.join(dir, "evil"))).toBe(false);
    expect(existsSync(path.join(dest, "ok.txt"))).toBe(false);
  });

  it("says so when the upload is not an archive", async () => {
    const { archive, dest } = fresh();
    writeFileSync(archive, Buffer.alloc(10, 7));
    const r = await unpackArchive(archive, dest);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/archive/);
  });

  it("also reads plain (not gzipped) tar, as git archive writes it", async () => {
    const { dest, dir } = fresh();
    const file = path.join(dir, "plain.tar");
    writeFileSync(file, makeTar([{ path: "a.txt", content: "plain" }]));
    expect((await unpackArchive(file, dest)).ok).toBe(true);
    expect(readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("plain");
  });
});

describe("findEscapingLink", () => {
  it("finds a link that escapes physically through another link, and ignores inside ones", () => {
    const { dest } = fresh();
    mkdirSync(path.join(dest, "sub"));
    symlinkSync(".", path.join(dest, "self"));
    symlinkSync("sub", path.join(dest, "inside"));
    expect(findEscapingLink(dest)).toBeNull();
    symlinkSync("self/..", path.join(dest, "sneaky")); // lexically ".", physically the parent
    expect(findEscapingLink(dest)).toBe("sneaky");
  });
});
