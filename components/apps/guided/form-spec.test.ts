import { describe, expect, it } from "vitest";
import { applyPreset, applyProposal, editForm, formToSpec, initialForm, runtimeOfSpec, specToForm } from "./form-spec";

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

describe("the edit form of a saved app", () => {
  const saved = {
    name: "shop",
    hostId: "h1",
    command: ["/usr/bin/python3", "/srv/shop/app.fcgi"],
    cwd: "/srv/shop",
    processes: 3,
    socket: { path: "/run/stoker/shop.sock", mode: "0640", owner: "www-data" },
    env: { DB_PASSWORD: { secret: { set: true } }, MODE: "prod" },
    ready: { path: "/health", timeoutS: 5 },
    web: { server: "nginx", serverName: "shop.test", listen: 8080, mount: "/", tls: { certificate: "/c.pem", key: "/k.pem" } },
    workers: [{ name: "queue", command: ["/usr/bin/python3", "worker.py"] }],
  };

  it("reads the runtime and script from the saved command", () => {
    const f = editForm(saved);
    expect(f).toMatchObject({ runtime: "python-flup", script: "/srv/shop/app.fcgi", processes: 3, web: "nginx", listen: "8080", socketPath: "/run/stoker/shop.sock", user: "" });
    expect(runtimeOfSpec({ command: ["/usr/bin/php-cgi"] })).toBe("php-cgi");
    expect(runtimeOfSpec({ command: ["/opt/bin/myserver"] })).toBe("custom");
  });

  it("gives back the saved spec unchanged when nothing is edited, and one field changed when one is", () => {
    expect(formToSpec(editForm(saved), saved)).toEqual(saved);
    const edited = formToSpec({ ...editForm(saved), processes: 4 }, saved);
    expect(edited).toEqual({ ...saved, processes: 4 });
  });

  it("keeps a TCP socket the form cannot show, and drops the web section when set to none", () => {
    const tcp = { ...saved, socket: { tcp: "127.0.0.1:9000", mode: "0660" } };
    const spec = formToSpec({ ...editForm(tcp), web: "none" }, tcp);
    expect(spec.socket).toEqual({ tcp: "127.0.0.1:9000", mode: "0660" });
    expect(spec.web).toBeUndefined();
    expect(spec.env).toEqual(saved.env);
  });
});
