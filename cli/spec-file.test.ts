import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readSpecText, writeSpecText } from "./spec-file";
import { AppSpecSchema } from "../lib/protocol";

const app = AppSpecSchema.parse({ name: "shop", hostId: "h1", command: ["/usr/bin/php-cgi"], socket: { path: "/run/shop.sock" }, env: { A: "x: y # not a comment" } });

describe("the app file", () => {
  it("round-trips an export: YAML and JSON read back to the same specs", () => {
    for (const format of ["yaml", "json"] as const) {
      const text = writeSpecText([{ spec: app, hostName: "web1" }], format, " header");
      const read = readSpecText(text, new Set(["h1"]));
      expect(read).toEqual({ ok: true, apps: [app] });
    }
  });

  it("writes JSON as {apps: [spec]} and YAML with the host's name beside its id", () => {
    expect(JSON.parse(writeSpecText([{ spec: app, hostName: "web1" }], "json", ""))).toEqual({ apps: [app] });
    const yaml = writeSpecText([{ spec: app, hostName: "web1" }], "yaml", " header");
    expect(yaml).toMatch(/^# header\n/);
    expect(yaml).toContain("# host: web1");
    expect(parse(yaml)).toEqual({ apps: [app] });
  });

  it("quotes strings another YAML reader would take for something else (YAML 1.1: yes, on, dates)", () => {
    const env = { IS_SANDBOX: "yes", FLAG: "on", DAY: "2001-12-14", OCTAL: "0o12", PLAIN: "production" };
    const spec = AppSpecSchema.parse({ ...app, env });
    const yaml = writeSpecText([{ spec, hostName: "web1" }], "yaml", "");
    for (const version of ["1.1", "1.2"] as const) expect((parse(yaml, { version }) as { apps: { env: unknown }[] }).apps[0].env).toEqual(env);
    expect(yaml).toContain('IS_SANDBOX: "yes"');
    expect(yaml).toContain("PLAIN: production"); // only what needs it is quoted
  });

  it("names the line and field of a bad value, an unknown field and a missing field", () => {
    const text = ["apps:", "  - name: shop", "    hostId: h1", "    command: [/usr/bin/php-cgi]", "    socket: { path: /run/shop.sock }", "    processes: 0", "    colour: blue", "  - name: two", "    hostId: h1"].join("\n");
    const read = readSpecText(text, new Set(["h1"]));
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toContainEqual({ line: 6, field: "apps[0] (shop) processes", message: "Run at least 1 process." });
    expect(read.problems).toContainEqual(expect.objectContaining({ line: 7, message: "Unknown field: colour." }));
    expect(read.problems).toContainEqual(expect.objectContaining({ line: 8, field: "apps[1] (two) command" }));
  });

  it("names the line of a YAML syntax error and of an unknown host", () => {
    const bad = readSpecText("apps:\n  - name: shop\n    command: [unclosed\n");
    expect(bad.ok ? null : bad.problems[0].field).toBe("(syntax)");
    expect(bad.ok ? null : bad.problems[0].line).toBeGreaterThanOrEqual(3);
    const text = writeSpecText([{ spec: app, hostName: "web1" }], "yaml", "");
    const unknown = readSpecText(text, new Set(["other"]));
    expect(unknown.ok ? null : unknown.problems[0]).toEqual(expect.objectContaining({ field: "apps[0] (shop) hostId", line: expect.any(Number) }));
  });

  it("refuses a duplicate app, a file without apps, and an alias bomb", () => {
    const dup = writeSpecText([{ spec: app, hostName: "a" }, { spec: app, hostName: "a" }], "yaml", "");
    expect(readSpecText(dup).ok).toBe(false);
    expect(readSpecText("name: shop\n").ok).toBe(false);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`), "apps: []"].join("\n");
    expect(readSpecText(bomb).ok).toBe(false);
  });
});
