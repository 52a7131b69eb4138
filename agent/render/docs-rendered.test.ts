// docs/WEB-SERVERS.md shows the renderers' output for its specs ("regenerate with the renderers, not
// by hand"): each rendered block there must be what renderSite gives today, or the docs describe a
// config Stoker no longer writes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, siteOf, type WebServer } from "../../lib/protocol";
import { renderSite } from "./index";

const DOC = readFileSync(path.join(import.meta.dirname, "../../docs/WEB-SERVERS.md"), "utf8");

/** The fenced block under the `### <server> (...)` heading that follows `## <section>`. */
function block(section: string, server: string): string {
  const from = DOC.indexOf(`## ${section}`);
  const heading = DOC.indexOf(`### ${server} (`, from);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(DOC.slice(heading));
  if (from < 0 || heading < 0 || !m) throw new Error(`no ${server} block in ${section}`);
  return m[1];
}

function rendered(apps: AppSpec[], server: WebServer): string {
  const site = siteOf(apps[0], apps, server);
  if (!site) throw new Error("no site");
  const r = renderSite(site);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const app = (name: string, sock: string, web: Record<string, unknown>, fastcgiParams: Record<string, string> = {}) =>
  AppSpecSchema.parse({ name, hostId: "h1", command: ["/usr/bin/php-cgi"], socket: { path: sock }, fastcgiParams, web });

const SERVERS: [WebServer, string][] = [["nginx", "nginx"], ["lighttpd", "lighttpd"], ["apache", "Apache"]];

describe.each(SERVERS)("docs/WEB-SERVERS.md for %s", (server, heading) => {
  it("shows the PHP site with an API exactly as rendered", () => {
    const tls = { certificate: "/etc/ssl/shop.example.com.pem", key: "/etc/ssl/private/shop.example.com.key", redirectFrom: 80, hsts: { maxAgeS: 31536000 } };
    const site = { server, serverName: "shop.example.com", listen: 443, tls };
    const shop = app("shop", "/run/stoker/shop.sock", { ...site, documentRoot: "/srv/shop/current/public", frontController: "/index.php" });
    const api = app("api", "/run/stoker/api.sock", { ...site, mount: "/api" });
    expect(block("Rendered: a PHP site with an API on one TLS site", heading)).toBe(rendered([shop, api], server));
  });

  it("shows the README's example exactly as rendered", () => {
    const web = { server, serverName: "example.com", listen: 80, mount: "/yourapplication", static: [{ url: "/static", dir: "/srv/hello/static" }], extra: { clientMaxBodySize: "10m", headerBufferSize: "32k", readTimeoutS: 60 } };
    expect(block("Rendered: the README's example", heading)).toBe(rendered([app("hello", "/run/stoker/hello.sock", web, { APP_ENV: "production" })], server));
  });
});
