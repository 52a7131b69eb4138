import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandSocket } from "./discover";
import { appEnv, appName } from "./propose-spec";
import { splitWords, supervisordPrograms, systemdUnits } from "./service-configs";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-discovery-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("service configs", () => {
  it("reads supervisord fcgi-program and program sections without expanding anything", () => {
    mkdirSync(path.join(dir, "supervisor/conf.d"), { recursive: true });
    writeFileSync(
      path.join(dir, "supervisor/conf.d/shop.conf"),
      `[fcgi-program:shop]
command=/srv/shop/app.fcgi --flag "two words" $(rm -rf /)
socket=unix:///run/shop.sock
directory=/srv/shop
user=www-data
numprocs=4
environment=DB_HOST="db.local",MODE=prod
; [program:commented]
[program:worker]
command=/usr/bin/spawn-fcgi -n -s /run/w.sock -- /usr/bin/php-cgi
`,
    );
    const found = supervisordPrograms([path.join(dir, "supervisor")], new Set());
    expect(found[0]).toMatchObject({ name: "shop", command: ["/srv/shop/app.fcgi", "--flag", "two words", "$(rm", "-rf", "/)"], address: "unix:/run/shop.sock", fd0: true, numprocs: 4, cwd: "/srv/shop", user: "www-data", env: { DB_HOST: "db.local", MODE: "prod" } });
    expect(found[1]).toMatchObject({ name: "worker", address: null, fd0: false });
    expect(commandSocket(found[1].command)).toBe("unix:/run/w.sock");
  });

  it("pairs a systemd service with its socket unit", () => {
    mkdirSync(path.join(dir, "systemd"), { recursive: true });
    writeFileSync(path.join(dir, "systemd/blog.service"), "[Service]\nExecStart=-/usr/bin/php-cgi\nUser=blog\nWorkingDirectory=/srv/blog\nStandardInput=socket\nEnvironment=A=1 \"B=2 3\"\n");
    writeFileSync(path.join(dir, "systemd/blog.socket"), "[Socket]\nListenStream=/run/blog.sock\n");
    const [unit] = systemdUnits([path.join(dir, "systemd")], new Set());
    expect(unit).toMatchObject({ name: "blog", command: ["/usr/bin/php-cgi"], user: "blog", cwd: "/srv/blog", address: "unix:/run/blog.sock", fd0: true, env: { A: "1", B: "2 3" } });
  });

  it("splits words like a shell without expanding, and names apps safely", () => {
    expect(splitWords(`a 'b c' "d \\"e\\"" f\\ g`)).toEqual(["a", "b c", 'd "e"', "f g"]);
    expect(appName("Legacy_App.sock")).toBe("legacy-app");
    expect(appName("_x")).toBe("x");
    expect(appName("---")).toBe("app");
    expect(commandSocket(["php-cgi", "-b", "9001"])).toBe("tcp:127.0.0.1:9001");
    expect(appEnv({ PATH: "/bin", HOME: "/root", PHP_FCGI_CHILDREN: "4", "BAD-NAME": "x", CTRL: "a\nb" })).toEqual({ PHP_FCGI_CHILDREN: "4" });
  });
});
