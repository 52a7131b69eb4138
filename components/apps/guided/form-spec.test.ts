import { describe, expect, it } from "vitest";
import { applyPreset, applyProposal, formToSpec, initialForm, specToForm } from "./form-spec";

describe("the guided form's spec", () => {
  it("makes a php-cgi spec with SCRIPT_FILENAME from a picked PHP file", () => {
    const f = applyPreset({ ...initialForm("h1"), script: "/var/www/site/index.php", name: "site", socketPath: "/run/stoker/site.sock" }, "php-cgi");
    expect(formToSpec(f)).toEqual({
      name: "site",
      hostId: "h1",
      command: ["/usr/bin/php-cgi"],
      cwd: "/var/www/site",
      user: "www-data",
      processes: 2,
      socket: { path: "/run/stoker/site.sock", mode: "0660" },
      fastcgiParams: { SCRIPT_FILENAME: "/var/www/site/index.php" },
    });
  });

  it("keeps an app-bound socket and a web section, and reads them back from JSON", () => {
    const f = applyProposal(initialForm("h1"), {
      runtime: "python-flup",
      command: ["/usr/bin/python3", "/srv/a b/app.fcgi"],
      cwd: "/srv/a b",
      user: "alice",
      socket: { path: "/run/stoker/x.sock", bind: "app" },
      fastcgiParams: {},
      env: {},
      mount: "/",
      notes: [],
    });
    const spec = formToSpec({ ...f, web: "nginx", serverName: "x.test", listen: "8080", mount: "/x" });
    expect(spec.command).toEqual(["/usr/bin/python3", "/srv/a b/app.fcgi"]);
    expect(spec.socket).toEqual({ path: "/run/stoker/x.sock", mode: "0660", bind: "app" });
    expect(spec.web).toEqual({ server: "nginx", serverName: "x.test", listen: 8080, mount: "/x" });
    expect(formToSpec(specToForm(JSON.parse(JSON.stringify(spec)), initialForm("h2")))).toEqual(spec);
  });

  it("makes a php-fpm pool: one master, the fpm section, SCRIPT_FILENAME", () => {
    const f = applyPreset({ ...initialForm("h1"), script: "/var/www/site/index.php", name: "site", socketPath: "/run/stoker/site.sock" }, "php-fpm");
    const spec = formToSpec(f);
    expect(spec).toMatchObject({ command: ["/usr/sbin/php-fpm8.2"], processes: 1, fpm: {}, fastcgiParams: { SCRIPT_FILENAME: "/var/www/site/index.php" } });
    expect(specToForm(spec, initialForm("h1")).runtime).toBe("php-fpm");
  });
});
