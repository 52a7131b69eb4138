import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../lib/protocol";
import { resolveRelease, usesRelease } from "./resolve-release";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-resolve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const spec = AppSpecSchema.parse({
  name: "hello",
  hostId: "h1",
  command: ["/usr/bin/php-cgi", "-c", "{release}/php.ini"],
  cwd: "{release}",
  env: { APP_ROOT: "{release}", PLAIN: "x" },
  socket: { path: "/run/stoker/hello.sock" },
  fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
});

describe("resolveRelease", () => {
  it("puts the release's real path (not the symlink it was reached through) everywhere {release} appears", () => {
    const real = path.join(tmp, "real", "releases", "20260101120000-abc");
    mkdirSync(real, { recursive: true });
    symlinkSync(path.join(tmp, "real"), path.join(tmp, "via-link"));
    const r = resolveRelease(spec, path.join(tmp, "via-link", "releases", "20260101120000-abc"));
    expect(r.cwd).toBe(real);
    expect(r.command).toEqual(["/usr/bin/php-cgi", "-c", `${real}/php.ini`]);
    expect(r.env).toEqual({ APP_ROOT: real, PLAIN: "x" });
    expect(r.fastcgiParams.SCRIPT_FILENAME).toBe(`${real}/index.php`);
    expect(AppSpecSchema.safeParse(r).success).toBe(true);
    expect(usesRelease(spec)).toBe(true);
    expect(usesRelease(r)).toBe(false);
  });
});
