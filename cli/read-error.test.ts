import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cannotRead } from "./read-error";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-read-error-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(file: string): unknown {
  try {
    readFileSync(file);
  } catch (e) {
    return e;
  }
  throw new Error(`${file} was readable`);
}

describe("cannotRead", () => {
  it("says which of the usual mistakes it is, from the real error", () => {
    const missing = path.join(dir, "stoker.yaml");
    expect(cannotRead(missing, errorOf(missing)).message).toBe(`Cannot read ${missing}: it does not exist (check the path; a relative one is from ${process.cwd()}).`);
    expect(cannotRead(dir, errorOf(dir)).message).toMatch(/it is a directory; name a file/);
    // Root reads any mode, so a permission error is made by hand here.
    expect(cannotRead("f.yaml", Object.assign(new Error("x"), { code: "EACCES" })).message).toMatch(/permission denied \(run as a user who may read it/);
    expect(cannotRead("f.yaml", Object.assign(new Error("x"), { code: "EIO" })).message).toBe("Cannot read f.yaml (EIO).");
  });
});
