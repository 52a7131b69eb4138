import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { LogLine } from "./log-store";
import { TracebackDetector } from "./tracebacks";
import { appForError, appForPath, joinEntries, linkPremature, parseWebServerError, requestPaths, socketAddress, stderrContent, type WebServerError } from "./webserver-errors";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const fixtureLines = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8").trimEnd().split("\n");
const parseAll = (name: string) => fixtureLines(name).map((l) => parseWebServerError(l));

describe("parseWebServerError on real error logs", () => {
  it("reads nginx premature-close and connect() failures with their sockets", () => {
    const parsed = parseAll("nginx-error.log").filter((e): e is WebServerError => e !== null && e.kind !== "other");
    expect(parsed.map((e) => [e.kind, e.socket, e.premature])).toEqual([
      ["premature", "unix:/tmp/ngx/closes.sock", true],
      ["connect", "unix:/tmp/ngx/missing.sock", false],
      ["premature", "tcp:127.0.0.1:39601", true],
    ]);
    expect(parsed[0]).toMatchObject({ server: "nginx", level: "error", ts: new Date(2026, 10, 25, 22, 16, 20).toISOString() });
    expect(parsed[1].level).toBe("crit");
  });

  it("reads lighttpd backend lines and the socket they name", () => {
    const parsed = parseAll("lighttpd-error.log");
    expect(parsed.map((e) => e && [e.server, e.kind, e.socket ?? null])).toEqual([
      ["lighttpd", "other", null],
      ["lighttpd", "premature", "unix:/tmp/ngx/closes.sock"],
      ["lighttpd", "premature", "unix:/tmp/ngx/closes.sock"],
      ["lighttpd", "connect", "unix:/tmp/lt/missing.sock"],
      ["lighttpd", "connect", null],
      ["lighttpd", "other", null],
    ]);
  });

  it("reads Apache proxy_fcgi lines, including AH02454's Unix socket", () => {
    const parsed = parseAll("apache-error.log").filter((e): e is WebServerError => e !== null);
    expect(parsed.map((e) => [e.kind, e.socket ?? null])).toEqual([
      ["other", null],
      ["connect", "unix:/tmp/ngx/closes.sock"],
      ["connect", null],
      ["connect", "unix:/tmp/ap/missing.sock"],
      ["connect", null],
      ["premature", null],
      ["premature", null],
    ]);
    expect(parsed[1]).toMatchObject({ server: "apache", level: "error", ts: new Date(2026, 10, 25, 22, 16, 31).toISOString() });
  });

  it("recognizes CGI-style premature-header wording and TCP sockets in Apache", () => {
    const fcgid = parseWebServerError("[Mon Jan 01 12:00:00.5 2024] [fcgid:warn] [pid 9] [client 1.2.3.4:5] End of script output before headers: app.fcgi");
    expect(fcgid).toMatchObject({ premature: true, level: "warn" });
    const cgi = parseWebServerError("[Mon Jan 01 12:00:00 2024] [cgi:error] [pid 9] [client 1.2.3.4:5] Premature end of script headers: app.fcgi");
    expect(cgi?.premature).toBe(true);
    const tcp = parseWebServerError("[Mon Jan 01 12:00:00 2024] [proxy:error] [pid 9] (111)Connection refused: AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (localhost:9000) failed");
    expect(tcp).toMatchObject({ kind: "connect", socket: "tcp:127.0.0.1:9000" });
    const timeout = parseWebServerError("[Mon Jan 01 12:00:00 2024] [proxy_fcgi:error] [pid 9] (70007)The timeout specified has expired: [client 1.2.3.4:5] AH01075: Error dispatching request to :");
    expect(timeout).toMatchObject({ kind: "timeout", premature: false });
  });

  it("ignores lines of other shapes", () => {
    expect(parseWebServerError("GET / HTTP/1.1 200")).toBeNull();
    expect(parseWebServerError("2024/01/01 12:00:00 [error] 1#0: x", "apache")).toBeNull();
  });
});

describe("attribution and linking", () => {
  it("normalizes socket addresses the way apps declare them", () => {
    expect(socketAddress({ path: "/run/a.sock" })).toBe("unix:/run/a.sock");
    expect(socketAddress({ tcp: "localhost:9001" })).toBe("tcp:127.0.0.1:9001");
    expect(socketAddress("unix:/run/a.sock:")).toBe("unix:/run/a.sock");
    expect(socketAddress({})).toBeNull();
  });

  it("attributes an nginx premature close to the app by socket and links the nearest traceback", () => {
    const [line] = fixtureLines("nginx-error.log");
    const error = parseWebServerError(line);
    if (!error) throw new Error("fixture line did not parse");
    const sockets = new Map([
      [socketAddress({ path: "/tmp/ngx/other.sock" }) ?? "", "other-app"],
      [socketAddress({ path: "/tmp/ngx/closes.sock" }) ?? "", "shop"],
    ]);
    expect(appForError(error, sockets)).toBe("shop");
    expect(appForError({ ...error, socket: "unix:/nowhere.sock" }, sockets)).toBeNull();

    // Three tracebacks from the app's log: 40 s before, 1.5 s before and 4 s after the nginx line.
    const at = Date.parse(error.ts);
    const py = readFileSync(path.join(FIXTURES, "py-zerodiv-1.txt"), "utf8").trimEnd().split("\n");
    const events = [-40_000, -1_500, 4_000].flatMap((delta, i) => {
      const lines: LogLine[] = py.map((text) => ({ ts: new Date(at + delta).toISOString(), pid: 10 + i, stream: "err", text }));
      const d = new TracebackDetector();
      return [...d.push(lines), ...d.flush()];
    });
    expect(events).toHaveLength(3);
    const exit = { ts: new Date(at - 3_000).toISOString(), kind: "exit" as const, pid: 11 };
    const linked = linkPremature(error, [...events.map((e) => ({ ...e, kind: "traceback" as const })), exit]);
    expect(linked).toMatchObject({ kind: "traceback", pid: 11 });
    expect(linkPremature(error, [events[0]])).toBeNull();
    expect(linkPremature(error, [exit, events[0]])).toBe(exit);
  });
});

describe("stderrContent: what the app wrote on FastCGI stderr, whole", () => {
  // Real lines for one ZeroDivisionError (test/fixtures/flup-errors.fcgi), one stderr record each.
  const nginx = [
    '2026/12/05 16:42:05 [error] 14135#14135: *2 FastCGI sent in stderr: "Traceback (most recent call last):" while reading response header from upstream, client: 127.0.0.1, server: py.test, request: "GET /divide?5 HTTP/1.1", upstream: "fastcgi://unix:/tmp/x/app.sock:", host: "py.test"',
    '2026/12/05 16:42:05 [error] 14135#14135: *2 FastCGI sent in stderr: "  File "/srv/app.fcgi", line 19, in app',
    "    share = total / 0",
    '            ~~~~~~^~~" while reading response header from upstream, client: 127.0.0.1, server: py.test, request: "GET /divide?5 HTTP/1.1", upstream: "fastcgi://unix:/tmp/x/app.sock:", host: "py.test"',
  ];
  const apache =
    "[Sat Dec 05 16:42:09.096227 2026] [proxy_fcgi:error] [pid 14237:tid 14273] [client 127.0.0.1:34526] AH01071: Got error '  File \"/srv/app.fcgi\", line 19, in app\\n    share = total / 0\\n'";
  const lighttpd = "2026-12-05 16:42:41: (mod_fastcgi.c.449) FastCGI-stderr:ZeroDivisionError: division by zero";

  it("joins nginx's multi-line entry and takes the content between the quotes, socket and all", () => {
    const entries = joinEntries(nginx, "nginx");
    expect(entries).toHaveLength(2);
    const e = parseWebServerError(entries[1] ?? "", "nginx");
    expect(e).toMatchObject({ kind: "stderr", socket: "unix:/tmp/x/app.sock" });
    expect(e && stderrContent(e)).toEqual(['  File "/srv/app.fcgi", line 19, in app', "    share = total / 0", "            ~~~~~~^~~"]);
  });

  it("unescapes Apache's AH01071 and reads lighttpd's FastCGI-stderr line", () => {
    const a = parseWebServerError(apache, "apache");
    expect(a?.kind).toBe("stderr");
    expect(a && stderrContent(a)).toEqual(['  File "/srv/app.fcgi", line 19, in app', "    share = total / 0"]);
    const l = parseWebServerError(lighttpd, "lighttpd");
    expect(l?.kind).toBe("stderr");
    expect(l && stderrContent(l)).toEqual(["ZeroDivisionError: division by zero"]);
  });

  it("is null for other entries", () => {
    const e = parseWebServerError("2026/11/25 22:16:20 [error] 1#1: *5 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1", "nginx");
    expect(e && stderrContent(e)).toBeNull();
  });
});

describe("request paths in error lines (which app of a site a line is about)", () => {
  const mounts = [
    { appId: "root", mount: "/" },
    { appId: "second", mount: "/second" },
  ];
  it("reads Apache's [uri ...] (the rendered ErrorLogFormat) and its referer, and nginx's request", () => {
    const apache = parseWebServerError("[Sat Dec 05 19:50:39.093698 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 127.0.0.1:35002] [uri /second/divide?7] AH01071: Got error 'boom\\n', referer: http://two.test/other/page?x=1", "apache");
    expect(apache && requestPaths(apache)).toEqual(["/second/divide", "/other/page"]);
    const nginx = parseWebServerError('2026/12/05 19:00:00 [error] 1#1: *3 open() "/srv/x" failed (2: No such file or directory), client: 127.0.0.1, server: two.test, request: "GET /second/x?y HTTP/1.1", host: "two.test"', "nginx");
    expect(nginx && requestPaths(nginx)).toEqual(["/second/x"]);
    const unknown = parseWebServerError("[Sat Dec 05 19:50:39.093698 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 127.0.0.1:35002] [uri -] AH01079: failed to make connection", "apache");
    expect(unknown && requestPaths(unknown)).toEqual([]);
  });

  it("picks the longest mount at a segment boundary", () => {
    expect(appForPath("/second/divide", mounts)).toBe("second");
    expect(appForPath("/second", mounts)).toBe("second");
    expect(appForPath("/secondary", mounts)).toBe("root");
    expect(appForPath("/x", [{ appId: "a", mount: "/a" }])).toBeNull();
  });

  it("keeps an Apache stderr line whole when a referer follows it", () => {
    const e = parseWebServerError("[Sat Dec 05 19:50:39.093698 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 127.0.0.1:1] [uri /a] AH01071: Got error 'ZeroDivisionError: division by zero\\n', referer: http://h/a", "apache");
    expect(e && stderrContent(e)).toEqual(["ZeroDivisionError: division by zero"]);
  });
});
