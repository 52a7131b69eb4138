import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../../lib/protocol";
import { checkHeaderBuffer } from "./header-buffer";

// The line nginx 1.22 writes when an app's headers pass fastcgi_buffer_size (6 KB of Set-Cookie at its 4k default).
const NGINX_LINE =
  '2026/12/06 11:20:01 [error] 4242#4242: *17 upstream sent too big header while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /deployed/c?cookies=40 HTTP/1.1", upstream: "fastcgi://unix:/run/stoker/b.sock:", host: "localhost"';

// lighttpd 1.4.69's line for 64 KiB of Set-Cookie (measured: 63 KiB pass).
const LIGHTTPD_LINE = "2026-12-06 11:52:19: (http-header-glue.c.1128) response headers too large for ";

const spec = (server: "nginx" | "lighttpd" | "apache", extra = {}) =>
  AppSpecSchema.parse({ name: "b", hostId: "h", command: ["/usr/bin/node"], socket: { path: "/run/stoker/b.sock" }, web: { server, serverName: "localhost", listen: 80, mount: "/deployed", extra } });

describe("checkHeaderBuffer", () => {
  it("names web.extra.headerBufferSize and its value when nginx logged a too-big header for the app", () => {
    const [f] = checkHeaderBuffer(spec("nginx"), ["GET /x 200", NGINX_LINE]);
    expect(f.code).toBe("response-headers-too-big");
    expect(f.title).toContain("now 32k");
    expect(f.fix).toContain("web.extra.headerBufferSize");
    expect(f.fix).toContain("64k");
    expect(checkHeaderBuffer(spec("nginx", { headerBufferSize: "64k" }), [NGINX_LINE])[0].fix).toContain("128k");
  });

  it("says lighttpd's limit is fixed and points at nginx or Apache for an app behind lighttpd", () => {
    const [f] = checkHeaderBuffer(spec("lighttpd"), [LIGHTTPD_LINE]);
    expect(f.code).toBe("response-headers-too-big");
    expect(f.title).toContain("64 KiB");
    expect(f.fix).toContain("no setting");
  });

  it("says nothing without such a line, or for a line of another server", () => {
    expect(checkHeaderBuffer(spec("nginx"), ["something else"])).toEqual([]);
    expect(checkHeaderBuffer(spec("apache"), [NGINX_LINE, LIGHTTPD_LINE])).toEqual([]);
    expect(checkHeaderBuffer(spec("nginx"), [LIGHTTPD_LINE])).toEqual([]);
    expect(checkHeaderBuffer(spec("lighttpd"), [NGINX_LINE])).toEqual([]);
  });
});
