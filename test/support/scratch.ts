// A test file's scratch directory (0755, so an app user such as www-data can traverse it) and the
// cleanups its tests register, run after each test, last registered first.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach } from "vitest";

export type Cleanup = () => Promise<void> | void;

/** Call at a test file's top level: it registers the afterEach and afterAll hooks. */
export function scratchPerTest(prefix: string): { dir: string; cleanups: Cleanup[] } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, cleanups };
}
