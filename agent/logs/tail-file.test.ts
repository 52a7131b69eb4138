import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type TailHandle, tailFile } from "./tail-file";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-tail-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "error.log");
  const got: string[] = [];
  const start = (from: number): TailHandle => {
    const handle = tailFile(file, from, (lines) => got.push(...lines), { intervalMs: 10 });
    cleanup.push(() => handle.stop());
    return handle;
  };
  return { file, got, start };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("tailFile", () => {
  it("delivers complete lines from the offset on, holding a partial line until it ends", async () => {
    const { file, got, start } = setup();
    writeFileSync(file, "old line\n");
    const handle = start(9);
    appendFileSync(file, "first\nsec");
    await until(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(["first"]);
    expect(handle.position).toBe(15);
    appendFileSync(file, "ond\n");
    await until(() => got.length === 2);
    expect(got).toEqual(["first", "second"]);
  });

  it("keeps lines intact across reads into its one read buffer (lines longer than a read, many reads)", async () => {
    const { file, got, start } = setup();
    writeFileSync(file, "");
    start(0);
    const long = (c: string) => c.repeat(100_000); // longer than one 64 KiB read
    appendFileSync(file, `${long("a")}\nshort\n${long("b").slice(0, 70_000)}`);
    await until(() => got.length === 2);
    appendFileSync(file, `${long("b").slice(70_000)}\n${long("c")}\n`);
    await until(() => got.length === 4);
    expect(got.map((l) => `${l[0]}${l.length}`)).toEqual(["a100000", "s5", "b100000", "c100000"]);
    expect(got[2]).toBe(long("b"));
  });

  it("starts over after truncation", async () => {
    const { file, got, start } = setup();
    writeFileSync(file, "a\nb\n");
    start(0);
    await until(() => got.length === 2);
    truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(file, "after truncate\n");
    await until(() => got.length === 3);
    expect(got).toEqual(["a", "b", "after truncate"]);
  });

  it("finishes the rotated file and then follows the new one", async () => {
    const { file, got, start } = setup();
    writeFileSync(file, "one\n");
    start(0);
    await until(() => got.length === 1);
    appendFileSync(file, "two\nthree-unterminated");
    renameSync(file, `${file}.1`);
    writeFileSync(file, "new one\n");
    await until(() => got.length === 4);
    expect(got).toEqual(["one", "two", "three-unterminated", "new one"]);
  });

  it("waits for a file that does not exist yet", async () => {
    const { file, got, start } = setup();
    start(0);
    await new Promise((r) => setTimeout(r, 40));
    writeFileSync(file, "hello\n");
    await until(() => got.length === 1);
    expect(got).toEqual(["hello"]);
  });
});
