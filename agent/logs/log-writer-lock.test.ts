// One writer per app log: a second writer waits for the first, but a holder that was waited out
// once (a keeper that never handed back) is not waited for again on every other log.
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { tryLockExclusive } from "../native";
import { lockLogWriter } from "./log-writer-lock";

const root = mkdtempSync(path.join(tmpdir(), "stoker-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function heldDir(name: string): { dir: string; release(): void } {
  const dir = mkdtempSync(path.join(root, name));
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  expect(tryLockExclusive(fd)).toBe(true);
  return { dir, release: () => closeSync(fd) };
}

it("waits for the writer that holds a log, and not again for that writer on the next log", () => {
  const a = heldDir("a-");
  const b = heldDir("b-");
  let began = performance.now();
  const fdA = lockLogWriter(a.dir, 300);
  expect(performance.now() - began).toBeGreaterThanOrEqual(290);
  began = performance.now();
  const fdB = lockLogWriter(b.dir, 5000);
  expect(performance.now() - began).toBeLessThan(1000);
  for (const fd of [fdA, fdB]) closeSync(fd);
  a.release();
  b.release();
});

it("takes a free log at once", () => {
  const dir = mkdtempSync(path.join(root, "free-"));
  const began = performance.now();
  closeSync(lockLogWriter(dir, 5000));
  expect(performance.now() - began).toBeLessThan(1000);
});
