// Unit tests for the three renderers: each output read back as a tree (config-structure.ts),
// the mount/static/param wiring checked structurally, and unsafe specs refused.
import { describe, expect, it } from "vitest";
import { type AppSpec, type AppSpecInput, AppSpecSchema } from "../../lib/protocol";
import { type ConfigNode, directiveNames, readApache, readLighttpd, readNginx } from "./config-structure";
import { renderWebConfig } from "./index";

function spec(web: Record<string, unknown> = {}, over: Partial<AppSpecInput> = {}): AppSpec {
  return AppSpecSchema.parse({
    name: "hello",
    hostId: "h1",
    command: ["/usr/bin/php-cgi"],
    socket: { path: "/run/stoker/hello.sock" },
    fastcgiParams: { APP_ENV: "production" },
    web: { server: "nginx", serverName: "example.com", listen: 80, mount: "/yourapplication", static: [{ url: "/static", dir: "/srv/hello/static" }], extra: { clientMaxBodySize: "10m", readTimeoutS: 60 }, ...web },
    ...over,
  });
}

function render(s: AppSpec, server?: "nginx" | "lighttpd" | "apache"): string {
  const r = renderWebConfig(s, server);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const find = (nodes: ConfigNode[], name: string): ConfigNode[] =>
  nodes.flatMap((n) => [...(n.name === name ? [n] : []), ...(n.children ? find(n.children, name) : [])]);

describe("renderNginx", () => {
  it("renders one server block with the socket, the split regex and the static alias", () => {
    const tree = readNginx(render(spec()));
    expect(tree.map((n) => n.name)).toEqual(["server"]);
    expect(find(tree, "listen")[0].args).toEqual(["80"]);
    expect(find(tree, "server_name")[0].args).toEqual(["example.com"]);
    expect(find(tree, "fastcgi_pass")[0].args).toEqual(["unix:/run/stoker/hello.sock"]);
    expect(find(tree, "fastcgi_split_path_info")[0].args).toEqual(["(?s)^(/yourapplication)(/.*)$"]);
    const locations = find(tree, "location").map((l) => l.args.join(" "));
    expect(locations).toEqual(["^~ /static/", "~ ^/yourapplication(?:/|$)"]);
    expect(find(tree, "client_max_body_size")[0].args).toEqual(["10m"]);
    expect(find(tree, "fastcgi_buffer_size")[0].args).toEqual(["32k"]);
    expect(find(tree, "alias")[0].args).toEqual(["/srv/hello/static/"]);
    const params = Object.fromEntries(find(tree, "fastcgi_param").map((p) => [p.args[0], p.args.slice(1).join(" ")]));
    expect(params).toMatchObject({ SCRIPT_NAME: "$fastcgi_script_name", PATH_INFO: "$fastcgi_path_info", APP_ENV: "production" });
    expect(directiveNames(tree)).not.toContain("try_files"); // it would reset $fastcgi_path_info
  });

  it("gives the root mount an empty SCRIPT_NAME and $uri as PATH_INFO", () => {
    const tree = readNginx(render(spec({ mount: "/", listen: "127.0.0.1:8080" }, { socket: { tcp: "127.0.0.1:9001" } })));
    expect(find(tree, "listen")[0].args).toEqual(["127.0.0.1:8080"]);
    expect(find(tree, "fastcgi_pass")[0].args).toEqual(["127.0.0.1:9001"]);
    const params = Object.fromEntries(find(tree, "fastcgi_param").map((p) => [p.args[0], p.args.slice(1).join(" ")]));
    expect(params.SCRIPT_NAME).toBe("");
    expect(params.PATH_INFO).toBe("$uri");
  });

  it("escapes regex dots in the mount", () => {
    expect(render(spec({ mount: "/a.b" }))).toContain("location ~ ^/a[.]b(?:/|$)");
  });
});

describe("renderLighttpd", () => {
  it("scopes everything to one socket condition and sets check-local off", () => {
    const text = render(spec(), "lighttpd");
    const tree = readLighttpd(text);
    // The modules it needs first (a stock lighttpd.conf loads none of them), then one socket condition.
    expect(tree.map((n) => n.name)).toEqual(["server.modules", "$SERVER["]);
    expect(tree[0].args).toEqual(expect.arrayContaining(["mod_fastcgi", "mod_alias", "mod_setenv"]));
    expect(find(tree, "fastcgi.server")).toHaveLength(1);
    expect(find(tree, "alias.url")[0].args.join(" ")).toContain("/srv/hello/static/");
    expect(find(tree, "server.max-request-size")[0].args).toEqual(["10240"]);
    expect(text).toContain('"check-local" => "disable"');
    expect(text).not.toContain("fix-root-scriptname");
    expect(text).toContain('$HTTP["url"] =~ "^/yourapplication(?:/|$)"');
  });

  it("enables fix-root-scriptname for the root mount and connects over TCP when asked", () => {
    const text = render(spec({ mount: "/" }, { socket: { tcp: "127.0.0.1:9001" } }), "lighttpd");
    expect(text).toContain('"fix-root-scriptname" => "enable"');
    expect(text).toContain('"host" => "127.0.0.1"');
    expect(text).toContain('"port" => 9001');
  });
});

describe("renderApache", () => {
  it("renders one VirtualHost with mod_proxy_fcgi, explicit SCRIPT_NAME/PATH_INFO and a static exclusion", () => {
    const text = render(spec(), "apache");
    const tree = readApache(text);
    expect(tree.map((n) => n.name)).toEqual(["VirtualHost"]);
    expect(tree[0].args).toEqual(["*:80"]);
    expect(find(tree, "Alias")[0].args).toEqual(["/static/", "/srv/hello/static/"]);
    expect(find(tree, "ProxyPassMatch")[0].args).toEqual(["^/yourapplication(?:/|$)", "unix:/run/stoker/hello.sock|fcgi://hello/", "timeout=60"]);
    const location = find(tree, "LocationMatch")[0];
    expect(location.args).toEqual(["^/yourapplication(?:/|$)"]);
    expect(find(location.children ?? [], "ProxyFCGISetEnvIf").map((n) => n.args[1])).toEqual(["SCRIPT_NAME", "PATH_INFO", "PATH_INFO"]);
    expect(find(tree, "RewriteCond")[0].args[1]).toContain("-gt 10485760");
    expect(find(tree, "SetEnv")[0].args).toEqual(["APP_ENV", "production"]);
    expect(text).not.toMatch(/fcgid/i);
  });
});

describe("renderWebConfig", () => {
  it("refuses a spec without a web section", () => {
    const s = AppSpecSchema.parse({ name: "a", hostId: "h", command: ["x"], socket: { path: "/run/a.sock" } });
    expect(renderWebConfig(s)).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });

  it("re-validates specs that never went through the schema", () => {
    const s = spec();
    const forged = { ...s, web: { ...s.web, serverName: 'x"; }\nserver { listen 1' } } as AppSpec;
    const r = renderWebConfig(forged);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields?.[0].path).toBe("web.serverName");
  });

  it("refuses fastcgiParams the server computes itself", () => {
    const r = renderWebConfig(spec({}, { fastcgiParams: { SCRIPT_NAME: "/x", HTTP_HOST: "evil" } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields?.map((f) => f.path)).toEqual(["fastcgiParams.HTTP_HOST", "fastcgiParams.SCRIPT_NAME"]);
  });

  it("refuses a TCP upstream given by host name (servers resolve it at load time)", () => {
    const r = renderWebConfig(spec({}, { socket: { tcp: "backend.internal:9000", allowRemote: true } }));
    expect(r).toMatchObject({ ok: false, fields: [{ path: "socket.tcp" }] });
  });

  it("refuses a headerBufferSize over 64k for lighttpd alone (its limit is fixed), and renders it for nginx and Apache", () => {
    const big = spec({ extra: { headerBufferSize: "128k" } });
    expect(renderWebConfig(big, "lighttpd")).toMatchObject({ ok: false, fields: [{ path: "web.extra.headerBufferSize" }] });
    expect(render(spec({ extra: { headerBufferSize: "64k" } }), "lighttpd")).toContain("$SERVER");
    expect(find(readNginx(render(big, "nginx")), "fastcgi_buffer_size")[0].args).toEqual(["128k"]);
    expect(render(big, "apache")).toContain("<VirtualHost");
  });

  it("renders for another server than the spec names when asked", () => {
    expect(render(spec(), "apache")).toContain("<VirtualHost");
  });
});

describe("static prefixes", () => {
  it("lists a longer prefix before a shorter one it starts with, for lighttpd and Apache's first-match rules", () => {
    const s = spec({ static: [{ url: "/media", dir: "/srv/hello/media" }, { url: "/media/G", dir: "/srv/hello/g" }] });
    const lighttpd = render(s, "lighttpd");
    expect(lighttpd.indexOf('"/media/G/"')).toBeLessThan(lighttpd.indexOf('"/media/"'));
    const apache = render(s, "apache");
    expect(apache.indexOf('Alias "/media/G/"')).toBeLessThan(apache.indexOf('Alias "/media/"'));
  });
});

describe("sites with several apps", () => {
  const a = spec({ mount: "/yourapplication", static: [] }, { name: "alpha" });
  const b = spec({ mount: "/deployed", static: [] }, { name: "beta", socket: { path: "/run/stoker/beta.sock" } });
  const root = spec({ mount: "/", static: [{ url: "/static", dir: "/srv/hello/static" }] }, { name: "home", socket: { path: "/run/stoker/home.sock" } });

  it.each(["nginx", "lighttpd", "apache"] as const)("puts every app of the site into one %s block, each with its own socket", (server) => {
    const on = (x: AppSpec): AppSpec => ({ ...x, web: x.web && { ...x.web, server } });
    const text = renderWebConfig(on(a), undefined, [on(a), on(b), on(root)]);
    if (!text.ok) throw new Error(text.message);
    const tree = { nginx: readNginx, lighttpd: readLighttpd, apache: readApache }[server](text.value).filter((n) => n.name !== "server.modules");
    expect(tree).toHaveLength(1);
    for (const sock of ["hello.sock", "beta.sock", "home.sock"]) expect(text.value).toContain(`/run/stoker/${sock}`);
  });

  it("gives each mount a regex that owns only its URLs: the root mount leaves out the others and static prefixes", () => {
    const text = renderWebConfig(root, undefined, [a, b, root]);
    expect(text.ok && text.value).toContain('location ~ ^/deployed(?:/|$) {');
    const lighttpd = (x: AppSpec): AppSpec => ({ ...x, web: x.web && { ...x.web, server: "lighttpd" } });
    const l = renderWebConfig(lighttpd(root), undefined, [a, b, root].map(lighttpd));
    expect(l.ok && l.value).toContain('$HTTP["url"] =~ "^/(?!yourapplication(?:/|$)|deployed(?:/|$)|static/)"');
    const nested = spec({ mount: "/deployed/inner", static: [] }, { name: "inner" });
    const apache = (x: AppSpec): AppSpec => ({ ...x, web: x.web && { ...x.web, server: "apache" } });
    const outer = renderWebConfig(apache(b), undefined, [b, nested].map(apache));
    expect(outer.ok && outer.value).toContain('ProxyPassMatch "^/deployed(?:/(?!inner(?:/|$))|$)"');
  });

  it("refuses two apps on one mount of one site, naming both", () => {
    const clash = spec({ mount: "/deployed", static: [] }, { name: "gamma" });
    const r = renderWebConfig(b, "nginx", [b, clash]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('"beta"');
      expect(r.message).toContain('"gamma"');
      expect(r.fields?.[0].path).toBe("web.mount");
    }
  });

  it("makes localhost answer as 127.0.0.1 too, on every server", () => {
    const local = spec({ serverName: "localhost" });
    expect(render(local, "nginx")).toContain("server_name localhost 127.0.0.1;");
    expect(render(local, "lighttpd")).toContain('$HTTP["host"] =~ "^(localhost|127[.]0[.]0[.]1)(:[0-9]+)?$"');
    expect(render(local, "apache")).toContain("ServerAlias 127.0.0.1");
  });
});

describe("PHP sites", () => {
  it("keeps the one-script way: fastcgiParams.SCRIPT_FILENAME without a documentRoot is rendered on every server", () => {
    const s = spec({ mount: "/" }, { fastcgiParams: { SCRIPT_FILENAME: "/srv/hello/index.php" } });
    expect(render(s, "nginx")).toContain("fastcgi_param SCRIPT_FILENAME /srv/hello/index.php;");
    expect(render(s, "lighttpd")).toContain('"SCRIPT_FILENAME" => "/srv/hello/index.php"');
    expect(render(s, "apache")).toContain('ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "/srv/hello/index.php"');
  });

  it("refuses SCRIPT_FILENAME next to a documentRoot, pointing at documentRoot", () => {
    const r = renderWebConfig(spec({ mount: "/", documentRoot: "/srv/shop/public" }, { fastcgiParams: { SCRIPT_FILENAME: "/srv/shop/public/index.php" } }));
    expect(r).toMatchObject({ ok: false, fields: [{ path: "fastcgiParams.SCRIPT_FILENAME" }] });
    if (!r.ok) expect(r.fields?.[0].message).toContain("web.documentRoot");
  });

  it("refuses a SCRIPT_FILENAME that is not an absolute path, naming documentRoot as the way for many scripts", () => {
    const r = renderWebConfig(spec({}, { fastcgiParams: { SCRIPT_FILENAME: "index.php" } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields?.[0].message).toContain("web.documentRoot");
  });

  it("refuses a frontController without a documentRoot, or one outside the mount", () => {
    expect(() => spec({ mount: "/", frontController: "/index.php" })).toThrow(/needs web.documentRoot/);
    expect(() => spec({ mount: "/blog", documentRoot: "/srv/b", frontController: "/index.php" })).toThrow(/start it with \/blog\//);
  });

  it("bounds nginx's .php location by the mount's own URLs, so another app's /api/x.php stays that app's", () => {
    const shop = spec({ mount: "/", documentRoot: "/srv/shop/public", frontController: "/index.php", static: [] }, { name: "shop" });
    const api = spec({ mount: "/api", static: [] }, { name: "api" });
    const text = renderWebConfig(shop, undefined, [shop, api]);
    expect(text.ok && text.value).toContain("location ~ ^/(?!api(?:/|$)).*?[^/][.]php(?:/|$) {");
    expect(text.ok && text.value).toContain("try_files $uri $uri/ /index.php$is_args$args;");
  });
});

describe("TLS sites", () => {
  const tls = { certificate: "/etc/ssl/shop.pem", key: "/etc/ssl/shop.key", redirectFrom: 80, hsts: { maxAgeS: 600 } };
  const s = spec({ listen: 443, mount: "/", static: [], tls });

  it.each([
    ["nginx", ["listen 443 ssl;", "ssl_certificate /etc/ssl/shop.pem;", 'add_header Strict-Transport-Security "max-age=600" always;', "return 301 https://example.com$request_uri;"]],
    ["lighttpd", ['ssl.engine = "enable"', 'ssl.privkey = "/etc/ssl/shop.key"', '"Strict-Transport-Security" => "max-age=600"', 'url.redirect = ( "^(.*)$" => "https://example.com$1" )']],
    ["apache", ["SSLEngine on", 'SSLCertificateKeyFile "/etc/ssl/shop.key"', 'Header always set Strict-Transport-Security "max-age=600"', "Redirect permanent / https://example.com/"]],
  ] as const)("renders the certificate, HSTS and the port-80 redirect for %s", (server, expected) => {
    const text = render(s, server);
    for (const line of expected) expect(text).toContain(line);
  });

  it("refuses a redirect from the port the site listens on", () => {
    expect(() => spec({ listen: 443, tls: { ...tls, redirectFrom: 443 } })).toThrow(/another port/);
  });
});
