// Socket extraction from each web server's config syntax, and the mismatch verdict.
import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../../lib/protocol";
import { checkSocketMismatch, extractConfigSockets } from "./socket-config";

const spec = (socket: Record<string, string>) => AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/bin/true"], socket });

describe("extractConfigSockets", () => {
  it("reads nginx fastcgi_pass and upstream servers, ignoring comments", () => {
    const text = "# fastcgi_pass unix:/old.sock;\nupstream app { server unix:/run/a.sock; }\nlocation / { fastcgi_pass unix:/run/b.sock; }\nfastcgi_pass 127.0.0.1:9000;";
    expect(extractConfigSockets(text)).toEqual([
      { kind: "unix", path: "/run/a.sock" },
      { kind: "unix", path: "/run/b.sock" },
      { kind: "tcp", address: "127.0.0.1:9000" },
    ]);
  });

  it("reads lighttpd socket and host/port, but not the $SERVER socket condition", () => {
    const text = '$SERVER["socket"] == ":8080" {\n fastcgi.server = ("/" => (( "socket" => "/run/l.sock", "check-local" => "disable" )), "/t" => (("host" => "localhost", "port" => 9001)))\n}';
    expect(extractConfigSockets(text)).toEqual([
      { kind: "unix", path: "/run/l.sock" },
      { kind: "tcp", address: "127.0.0.1:9001" },
    ]);
  });

  it("reads Apache mod_proxy_fcgi unix and tcp targets", () => {
    const text = 'ProxyPass "/app/" "unix:/run/x.sock|fcgi://localhost/"\nProxyPass "/b/" "fcgi://127.0.0.1:9002/"';
    expect(extractConfigSockets(text)).toEqual([
      { kind: "unix", path: "/run/x.sock" },
      { kind: "tcp", address: "127.0.0.1:9002" },
    ]);
  });
});

describe("checkSocketMismatch", () => {
  it("accepts a config that points at the app's socket", () => {
    expect(checkSocketMismatch(spec({ path: "/run/app/a.sock" }), "fastcgi_pass unix:/run/app/a.sock;")).toEqual([]);
    expect(checkSocketMismatch(spec({ tcp: "localhost:9001" }), "fastcgi_pass 127.0.0.1:9001;")).toEqual([]);
  });

  it("reports another socket with both paths", () => {
    const [f] = checkSocketMismatch(spec({ path: "/run/app/a.sock" }), '"socket" => "/run/app/b.sock",');
    expect(f.code).toBe("socket-mismatch");
    expect(f.severity).toBe("error");
    expect(f.detail).toContain("unix:/run/app/b.sock");
    expect(f.detail).toContain("unix:/run/app/a.sock");
  });

  it("warns when the config names no FastCGI socket at all", () => {
    const [f] = checkSocketMismatch(spec({ path: "/run/app/a.sock" }), "server { listen 80; }");
    expect(f.severity).toBe("warning");
  });
});
