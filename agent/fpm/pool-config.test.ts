import { describe, expect, it } from "vitest";
import { FpmPoolSchema } from "../../lib/protocol";
import { renderFpmConfig } from "./pool-config";

describe("php-fpm pool config", () => {
  it("takes a pool's directives as written in its .conf, php_admin_value[...] keys included", () => {
    const pool = FpmPoolSchema.parse({
      pm: "dynamic",
      "pm.max_children": 8,
      "pm.start_servers": 3,
      "pm.min_spare_servers": 2,
      "pm.max_spare_servers": 4,
      "pm.max_requests": 500,
      request_terminate_timeout: "60s",
      request_slowlog_timeout: 5,
      "php_admin_value[memory_limit]": "256M",
      "php_flag[display_errors]": false,
      "php_value[error_reporting]": "E_ALL & ~E_DEPRECATED",
    });
    const text = renderFpmConfig("app1", "shop", pool, false, 10_000);
    expect(text).toContain("[shop]\nlisten = /dev/null/stoker-app1\n");
    expect(text).toContain("pm.max_children = 8\npm.start_servers = 3\npm.min_spare_servers = 2\npm.max_spare_servers = 4\n");
    expect(text).toContain("request_terminate_timeout = 60s\n");
    expect(text).toContain("slowlog = /proc/self/fd/2\n");
    expect(text).toContain('php_admin_value[memory_limit] = "256M"\n');
    expect(text).toContain('php_flag[display_errors] = "0"\n');
    expect(text).toContain('php_value[error_reporting] = "E_ALL & ~E_DEPRECATED"\n');
    expect(text).toContain("process_control_timeout = 10s\n");
    expect(text).not.toContain("user =");
  });

  it.each([
    [{ "php_admin_value[x]": "1\n[evil]\nlisten = /tmp/x" }],
    [{ "php_admin_value[x]": 'a" \nuser = root' }],
    [{ "php_admin_value[open_basedir]": "${HOME}" }],
    [{ "php_admin_value[a\nb]": "1" }],
    [{ "pm.max_children": "5\nuser=root" }],
    [{ request_terminate_timeout: "10s\n" }],
    [{ "security.limit_extensions": ".php\nlisten=x" }],
  ])("refuses a value that would leave its line: %j", (input) => {
    expect(FpmPoolSchema.safeParse(input).success).toBe(false);
  });

  it("says where a directive Stoker owns is set instead, and checks pm = dynamic's counts", () => {
    const owned = FpmPoolSchema.safeParse({ listen: "/run/php/x.sock", user: "www-data" });
    expect(owned.success).toBe(false);
    expect(owned.error?.issues.map((i) => i.path.join("."))).toEqual(["listen", "user"]);
    const counts = FpmPoolSchema.safeParse({ "pm.max_children": 2, "pm.min_spare_servers": 1, "pm.max_spare_servers": 3 });
    expect(counts.error?.issues[0].path).toEqual(["pm.max_spare_servers"]);
  });

  it("renders user root only for a master that runs as root", () => {
    expect(renderFpmConfig("a", "a", FpmPoolSchema.parse({ pm: "static" }), true, 10_000)).toContain("user = root\ngroup = root\npm = static\n");
  });
});
