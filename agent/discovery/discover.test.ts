import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../lib/protocol";
import { discover } from "./discover";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-discover-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (p: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
  writeFileSync(path.join(dir, p), text);
  return path.join(dir, p);
};

describe("discover (configured, not running)", () => {
  const sock = path.join(dir, "run/shop.sock");
  const nginx = at("nginx/sites-enabled/shop", `server { listen 8080; server_name shop.test; location /shop/ { fastcgi_pass unix:${sock}; } }\n`);
  const sup = at("supervisor/conf.d/shop.conf", `[fcgi-program:shop]\ncommand=/srv/shop/app.fcgi\nsocket=unix://${sock}\ndirectory=/srv/shop\nuser=www-data\nnumprocs=3\n`);
  at("systemd/unrelated.service", "[Service]\nExecStart=/usr/bin/sleep infinity\n");
  at("systemd/legacy.service", "[Service]\nExecStart=/usr/bin/spawn-fcgi -n -s /run/legacy.sock -- /usr/bin/php-cgi\n");
  const roots = { nginx: [path.join(dir, "nginx")], lighttpd: [], apache: [], supervisord: [path.join(dir, "supervisor")], systemd: [path.join(dir, "systemd")] };

  it("joins a supervisord fcgi-program and the nginx site pointing at its socket into one valid spec", () => {
    const { candidates } = discover(roots, () => false);
    const shop = candidates.find((c) => c.spec.name === "shop");
    expect(shop).toBeDefined();
    expect(shop?.pids).toEqual([]);
    expect(shop?.spec).toMatchObject({
      command: ["/srv/shop/app.fcgi"],
      cwd: "/srv/shop",
      user: "www-data",
      processes: 3,
      socket: { path: sock, bind: "agent" },
      web: { server: "nginx", serverName: "shop.test", listen: 8080, mount: "/shop" },
    });
    expect(AppSpecSchema.safeParse({ ...shop?.spec, hostId: "h" }).success).toBe(true);
    expect(shop?.source).toContain(`${nginx}:1`);
    expect(shop?.source).toContain(sup);
    expect(shop?.source).toContain("not running");
  });

  it("proposes a systemd unit by its spawn-fcgi socket, not a unit that is no FastCGI app, and leaves out what Stoker runs", () => {
    // (Live processes of this machine with a socket as fd 0 may be candidates too: only the configs' are looked at.)
    const { candidates } = discover(roots, (a) => a === `unix:${sock}`);
    const names = candidates.map((c) => c.spec.name);
    expect(names).toContain("legacy");
    expect(names).not.toContain("unrelated");
    expect(names).not.toContain("shop");
    expect(candidates.find((c) => c.spec.name === "legacy")?.spec).toMatchObject({ command: ["/usr/bin/spawn-fcgi", "-n", "-s", "/run/legacy.sock", "--", "/usr/bin/php-cgi"] });
  });
});
