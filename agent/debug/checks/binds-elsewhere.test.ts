// Static signs that an app binds its own socket while the agent passes one on fd 0.
import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../../lib/protocol";
import { checkAppBoundTcp, checkBindHints } from "./binds-elsewhere";

const spec = (bind: "agent" | "app") => AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/bin/true"], socket: { path: "/run/a/a.sock", bind } });

describe("checkBindHints", () => {
  it("spots flup's bindAddress in the script", () => {
    const src = "from flup.server.fcgi import WSGIServer\nWSGIServer(app, bindAddress='/tmp/app.sock').run()\n";
    const [f] = checkBindHints(spec("agent"), [], src);
    expect(f.code).toBe("app-binds-elsewhere");
    expect(f.detail).toContain("bindAddress='/tmp/app.sock'");
  });

  it("ignores bindAddress in a comment (Python, Perl, shell)", () => {
    const src = "#!/usr/bin/env python3\n# as `WSGIServer(app, bindAddress=...)` does: unlink, bind, listen\nWSGIServer(app).run()  # not bindAddress='/x'\n";
    expect(checkBindHints(spec("agent"), [], src)).toEqual([]);
  });

  it("spots php-cgi -b and a uWSGI socket other than fd://0", () => {
    expect(checkBindHints(spec("agent"), ["-b", "127.0.0.1:9000"], null)[0].detail).toContain("-b 127.0.0.1:9000");
    expect(checkBindHints(spec("agent"), ["--fastcgi-socket=/tmp/u.sock"], null)[0].detail).toContain("--fastcgi-socket=/tmp/u.sock");
    expect(checkBindHints(spec("agent"), ["--fastcgi-socket", "fd://0"], null)).toEqual([]);
  });

  it("says nothing when the spec lets the app bind itself", () => {
    expect(checkBindHints(spec("app"), ["-b", "127.0.0.1:9000"], "bindAddress='/x'")).toEqual([]);
  });
});

describe("checkAppBoundTcp", () => {
  it("warns that an app-bound TCP port refuses requests at each exit, and not for a Unix socket or the agent's port", () => {
    const tcp = (bind: "agent" | "app") => AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/usr/bin/php-cgi", "-b", "127.0.0.1:9000"], socket: { tcp: "127.0.0.1:9000", bind } });
    const [f] = checkAppBoundTcp(tcp("app"));
    expect(f.code).toBe("app-bound-tcp");
    expect(f.detail).toContain("127.0.0.1:9000");
    expect(checkAppBoundTcp(tcp("agent"))).toEqual([]);
    expect(checkAppBoundTcp(spec("app"))).toEqual([]);
  });
});
