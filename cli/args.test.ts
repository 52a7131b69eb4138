import { describe, expect, it } from "vitest";
import { parseCommand } from "./args";

describe("parseCommand", () => {
  it("reads -f as --follow for logs and as --file for plan and apply", () => {
    expect(parseCommand("logs", ["demo", "-f", "-n", "20"])).toEqual({ args: ["demo"], flags: { follow: true, n: "20" } });
    expect(parseCommand("plan", ["-f", "stoker.yaml", "--exit-code", "--prune"])).toEqual({ args: [], flags: { file: "stoker.yaml", "exit-code": true, prune: true } });
    expect(parseCommand("apply", ["--file=x.yaml", "--host", "web1"]).flags).toEqual({ file: "x.yaml", host: "web1" });
  });

  it("refuses an unknown option, or one without its value, naming it", () => {
    expect(() => parseCommand("plan", ["-f", "x", "--exitcode"])).toThrow(/plan: Unknown option '--exitcode'/);
    expect(() => parseCommand("export", ["--host"])).toThrow(/--host/);
    expect(() => parseCommand("restart", ["demo", "--wait"])).toThrow(/Unknown option '--wait'/);
  });

  it("keeps --json and --help for every command", () => {
    expect(parseCommand("apps", ["--json"]).flags).toEqual({ json: true });
    expect(parseCommand("deploy", ["shop", "-h"]).flags).toEqual({ help: true });
  });
});
