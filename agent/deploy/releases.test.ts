import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createReleaseDir, currentRelease, linkShared, listReleases, pruneReleases, releaseLayout, switchCurrent } from "./releases";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-releases-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const layout = () => releaseLayout(path.join(tmp, `root-${++n}`));
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

describe("releases", () => {
  it("names releases <timestamp>-<short ref> and never reuses a name within one second", () => {
    const l = layout();
    const a = createReleaseDir(l, "abc1234", at(1));
    const b = createReleaseDir(l, "abc1234", at(1));
    const c = createReleaseDir(l, "def5678", at(2));
    expect(a.name).toBe("20260101120001000-abc1234");
    expect(b.name).toBe("20260101120001000-abc1234-2");
    expect(listReleases(l)).toEqual([a.name, b.name, c.name]);
  });

  it("switches current atomically and reads it back", () => {
    const l = layout();
    expect(currentRelease(l)).toBeNull();
    const a = createReleaseDir(l, "aaa", at(1));
    const b = createReleaseDir(l, "bbb", at(2));
    switchCurrent(l, a.name);
    expect(currentRelease(l)).toBe(a.name);
    switchCurrent(l, b.name);
    expect(readlinkSync(l.current)).toBe(`releases/${b.name}`);
    expect(currentRelease(l)).toBe(b.name);
    expect(readdirSync(l.root).filter((f) => f.startsWith(".current-"))).toEqual([]); // no temp link left behind
    expect(() => switchCurrent(l, "20260101120009000-missing")).toThrow();
    expect(currentRelease(l)).toBe(b.name);
  });

  it("prunes the oldest beyond keepReleases but never current or a protected release", () => {
    const l = layout();
    const names = [1, 2, 3, 4, 5].map((s) => createReleaseDir(l, "r", at(s)).name);
    switchCurrent(l, names[0]); // an old release that is still live (after a rollback)
    const removed = pruneReleases(l, 2, [names[1]]);
    expect(removed).toEqual([names[2]]);
    expect(listReleases(l)).toEqual([names[0], names[1], names[3], names[4]]);
  });

  it("leaves foreign directories under releases/ alone", () => {
    const l = layout();
    mkdirSync(path.join(l.releases, "keep-me"), { recursive: true });
    createReleaseDir(l, "a", at(1));
    createReleaseDir(l, "b", at(2));
    pruneReleases(l, 1);
    expect(existsSync(path.join(l.releases, "keep-me"))).toBe(true);
  });

  it("links shared paths, seeding a missing one from the release or as an empty directory", () => {
    const l = layout();
    const r1 = createReleaseDir(l, "one", at(1));
    writeFileSync(path.join(r1.path, ".env"), "SECRET=template\n");
    mkdirSync(path.join(r1.path, "uploads"));
    writeFileSync(path.join(r1.path, "uploads", "shipped.txt"), "x");
    linkShared(l, r1.path, [".env", "uploads", "var/cache"]);
    expect(lstatSync(path.join(r1.path, ".env")).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(r1.path, ".env"), "utf8")).toBe("SECRET=template\n");
    expect(lstatSync(path.join(l.shared, "var/cache")).isDirectory()).toBe(true);
    writeFileSync(path.join(l.shared, ".env"), "SECRET=real\n");
    writeFileSync(path.join(l.shared, "uploads", "user.png"), "png");
    const r2 = createReleaseDir(l, "two", at(2));
    writeFileSync(path.join(r2.path, ".env"), "SECRET=template\n");
    linkShared(l, r2.path, [".env", "uploads"]);
    expect(readFileSync(path.join(r2.path, ".env"), "utf8")).toBe("SECRET=real\n"); // shared wins over shipped
    expect(readFileSync(path.join(r2.path, "uploads", "user.png"), "utf8")).toBe("png");
  });
});
