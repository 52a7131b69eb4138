// php-fpm's own stderr (captured from php-fpm 8.2 with request_slowlog_timeout 1s and
// request_terminate_timeout 3s) read back into slow-request reports.
import { describe, expect, it } from "vitest";
import { type FpmSlowReport, FpmSlowlog } from "./fpm-slowlog";

const LOG = `[06-Dec-2026 11:15:32] NOTICE: ready to handle connections
[06-Dec-2026 11:15:37] WARNING: [pool www] child 3036, script '/srv/slow.php' (request: "GET ?ms=1500") executing too slow (1.267074 sec), logging
[06-Dec-2026 11:15:37] NOTICE: child 3036 stopped for tracing
[06-Dec-2026 11:15:37] NOTICE: about to trace 3036

[06-Dec-2026 11:15:37]  [pool www] pid 3036
script_filename = /srv/slow.php
[0x00007f8db0c15170] usleep() /srv/slow.php:2
[0x00007f8db0c15100] inner() /srv/slow.php:3
[06-Dec-2026 11:15:37] NOTICE: finished trace of 3036
[06-Dec-2026 11:15:39] WARNING: [pool www] child 3037, script '/srv/slow.php' (request: "GET ?ms=5000") executing too slow (1.197839 sec), logging

[06-Dec-2026 11:15:39]  [pool www] pid 3037
script_filename = /srv/slow.php
[0x00007f8db0c15170] usleep() /srv/slow.php:2
[06-Dec-2026 11:15:39] NOTICE: finished trace of 3037
[06-Dec-2026 11:15:41] WARNING: [pool www] child 3037, script '/srv/slow.php' (request: "GET ?ms=5000") execution timed out (3.226540 sec), terminating
[06-Dec-2026 11:15:41] WARNING: [pool www] child 3037 exited on signal 15 (SIGTERM) after 9.070195 seconds from start
[06-Dec-2026 11:16:00] WARNING: [pool www] child 4000, script '/srv/spin.php' (request: "GET /") execution timed out (3.000001 sec), terminating`;

function read(lines: string[]): FpmSlowReport[] {
  const out: FpmSlowReport[] = [];
  const reader = new FpmSlowlog((r) => out.push(r));
  for (const l of lines) reader.line(l);
  return out;
}

describe("FpmSlowlog", () => {
  it("reports a slow request with the stack php-fpm traced, and a cut one with its earlier stack", () => {
    const reports = read(LOG.split("\n"));
    expect(reports.map((r) => r.childPid)).toEqual([3036, 3037, 3037, 4000]);
    expect(reports[0].detail).toBe(
      'php-fpm child 3036: /srv/slow.php (request "GET ?ms=1500") executing too slow (1.267074 s, past request_slowlog_timeout)\nstack (php-fpm slowlog):\n  usleep() /srv/slow.php:2\n  inner() /srv/slow.php:3',
    );
    expect(reports[2].detail).toMatch(/^php-fpm child 3037 cut at request_terminate_timeout: \/srv\/slow\.php \(request "GET \?ms=5000"\) ran 3\.226540 s/);
    expect(reports[2].detail).toContain("stack (php-fpm slowlog):\n  usleep() /srv/slow.php:2");
    // Cut without a slowlog: says how to get a stack.
    expect(reports[3].detail).toMatch(/stack: not traced \(set request_slowlog_timeout/);
  });

  it("keeps a trace that arrives split across writes, and ignores frames of a child it was not told about", () => {
    const lines = LOG.split("\n");
    const reports = read(["[06-Dec-2026 11:15:37]  [pool www] pid 9", "[0x1] main() /x.php:1", ...lines.slice(1, 7), ...lines.slice(7)]);
    expect(reports[0].detail).not.toContain("main()");
    expect(reports[0].childPid).toBe(3036);
  });
});
