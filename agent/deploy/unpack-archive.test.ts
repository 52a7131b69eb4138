import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArchiveJudge, type EntryHead } from "./archive-policy";
import { makeTar, writeTarGz } from "./testing/make-tar";
import { findEscapingLink, unpackArchive } from "./unpack-archive";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-unpack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = path.join(tmp, `case-${++n}`);
  mkdirSync(path.join(dir, "release"), { recursive: true });
  return { archive: path.join(dir, "a.tar.gz"), dest: path.join(dir, "release"), dir };
};

const file = (p: string, size = 1): EntryHead => ({ path: p, type: "File", size });

describe("ArchiveJudge", () => {
  const bad: [string, EntryHead[]][] = [
    ["an absolute path", [file("/etc/x")]],
    ["a .. entry", [file("../evil")]],
    ["a nested .. entry", [file("a/../../evil")]],
    ["a .. that stays inside", [file("a/../b")]],
    ["a symlink to /", [{ path: "root", type: "SymbolicLink", linkpath: "/" }]],
    ["a symlink climbing out", [{ path: "a/up", type: "SymbolicLink", linkpath: "../../etc" }]],
    ["a hard link to /etc/passwd", [{ path: "pw", type: "Link", linkpath: "/etc/passwd" }]],
    ["a hard link to a file the archive does not have", [{ path: "pw", type: "Link", linkpath: "etc/passwd" }]],
    ["a write through the archive's own symlink", [{ path: "dir", type: "SymbolicLink", linkpath: "sub" }, file("dir/x")]],
    ["a directory replaced by a symlink", [{ path: "d", type: "Directory" }, { path: "d", type: "SymbolicLink", linkpath: "." }]],
    ["the same file twice", [file("a"), file("a")]],
    ["a character device", [{ path: "null", type: "CharacterDevice" }]],
    ["a block device", [{ path: "sda", type: "BlockDevice" }]],
    ["a fifo", [{ path: "pipe", type: "FIFO" }]],
    ["a newline in a name", [file("a\nb")]],
    ["too many entries", Array.from({ length: 11 }, (_, i) => file(`f${i}`))],
    ["too many bytes", [file("big", 2 << 20)]],
  ];
  it.each(bad)("refuses %s", (_label, entries) => {
    const judge = new ArchiveJudge({ maxEntries: 10, maxBytes: 1 << 20 });
    const verdicts = entries.map((e) => judge.judge(e));
    expect(verdicts.at(-1)).toBeNull();
    expect(judge.refusal).toMatch(/^Refused:/);
  });

  it("accepts relative symlinks that stay inside, hard links to its own files, and ./ names", () => {
    const judge = new ArchiveJudge();
    for (const e of [
      { path: "./", type: "Directory" },
      file("vendor/pkg/bin/tool"),
      { path: "vendor/bin/tool", type: "SymbolicLink", linkpath: "../pkg/bin/tool" },
      { path: "tool2", type: "Link", linkpath: "vendor/pkg/bin/tool" },
      file("./index.php"),
      { path: "lib/", type: "Directory" },
      { path: "lib", type: "Directory" },
    ]) expect(judge.judge(e), JSON.stringify(e)).not.toBeNull();
    expect(judge.refusal).toBeNull();
  });
});

describe("unpackArchive", () => {
  it("extracts a clean archive with node-tar, long pax names included", async () => {
    const { archive, dest } = fresh();
    const long = `deep/${"x".repeat(150)}.txt`;
    writeTarGz(archive, [{ path: "index.php", content: "<?php echo 'hi';" }, { path: "lib/", type: "dir" }, { path: "lib/a.php", content: "a" }, { path: "link", type: "symlink", link: "lib/a.php" }, { path: long, content: "y" }]);
    const r = await unpackArchive(archive, dest);
    expect(r).toEqual({ ok: true, entries: 5 });
    expect(readFileSync(path.join(dest, "index.php"), "utf8")).toBe("<?php echo 'hi';");
    expect(readlinkSync(path.join(dest, "link"))).toBe("lib/a.php");
    expect(readFileSync(path.join(dest, long), "utf8")).toBe("y");
  });

  it("refuses a traversal archive and leaves nothing behind, inside or out", async () => {
    const { archive, dest, dir } = fresh();
    writeTarGz(archive, [{ path: "ok.txt", content: "x" }, { path: "../evil", content: "owned" }]);
    const r = await unpackArchive(archive, dest);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('"../evil"');
    expect(existsSync(path.join(dir, "evil"))).toBe(false);
    expect(existsSync(path.join(dest, "ok.txt"))).toBe(false);
  });

  it("drops setuid, setgid and sticky bits", async () => {
    const { archive, dest } = fresh();
    writeTarGz(archive, [{ path: "suid", content: "#!/bin/sh\n", mode: 0o6755 }]);
    expect((await unpackArchive(archive, dest)).ok).toBe(true);
    expect(statSync(path.join(dest, "suid")).mode & 0o7000).toBe(0);
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
    const plain = path.join(dir, "plain.tar");
    writeFileSync(plain, makeTar([{ path: "a.txt", content: "plain" }]));
    expect((await unpackArchive(plain, dest)).ok).toBe(true);
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
