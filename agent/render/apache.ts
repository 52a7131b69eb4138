// Renders a site as one Apache <VirtualHost> using mod_proxy_fcgi (never mod_fcgid, which spawns
// its own processes and would compete with the agent), one mount per app. For sites-enabled/.
import { assertBare, assertQuoted, type MountInput, type SiteInput } from "./render-input";

export function renderApache(site: SiteInput): string {
  const L: string[] = [];
  L.push(`# Stoker: Apache site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  L.push("# Needs mod_proxy, mod_proxy_fcgi, mod_alias, mod_env and mod_rewrite (Debian: a2enmod proxy_fcgi rewrite),");
  L.push(`# and a Listen directive for port ${site.port} (Debian: ports.conf).`);
  L.push(`<VirtualHost ${site.host ? assertBare(site.host, "web.listen") : "*"}:${site.port}>`);
  L.push(`    ServerName ${assertBare(site.serverName, "web.serverName")}`);
  const aliases = site.names.filter((n) => n !== site.serverName);
  if (aliases.length) L.push(`    # localhost also answers as ${aliases.join(" ")}, as on every server.`, `    ServerAlias ${aliases.map((n) => assertBare(n, "web.serverName")).join(" ")}`);
  L.push("    # SERVER_PORT is the port the request really arrived on, as nginx and lighttpd report it.");
  L.push("    UseCanonicalName Off");
  L.push("    UseCanonicalPhysicalPort On");
  L.push("    # Pass %2F through to the app still encoded instead of answering 404 (decoding it could");
  L.push("    # turn ..%2F into a path traversal for the static Alias).");
  L.push("    AllowEncodedSlashes NoDecode");
  L.push("    # The apps speak plain FastCGI (not PHP-FPM): no proxy:fcgi:// prefix games with SCRIPT_FILENAME.");
  L.push("    ProxyFCGIBackendType GENERIC");
  // LimitRequestBody is not applied to reverse-proxied requests (httpd skips it when r->proxyreq
  // is set), so a declared length over the limit is refused here, before mod_proxy_fcgi streams it.
  L.push("", "    # Request bodies over each app's limit are refused with 413 before the app sees them (LimitRequestBody");
  L.push("    # does not apply to proxied requests). A chunked body declares no length: the app should check too.");
  L.push("    RewriteEngine On");
  for (const m of site.mounts) {
    L.push(`    RewriteCond expr "%{REQUEST_URI} =~ m#${m.own}# && %{HTTP:Content-Length} =~ /^[0-9]+$/ && %{HTTP:Content-Length} -gt ${m.bodyLimitBytes}"`);
    L.push("    RewriteRule ^ - [R=413,L]");
  }
  for (const s of site.statics) {
    const url = assertBare(s.url, "web.static[].url");
    const dir = assertBare(s.dir, "web.static[].dir");
    L.push("", `    # Static files under ${url}/ come straight from disk; no app's mount includes them.`);
    L.push(`    Alias "${url}/" "${dir}/"`);
    L.push(`    <Directory "${dir}/">`);
    L.push("        Require all granted");
    L.push("        Options -Indexes");
    L.push("    </Directory>");
  }
  for (const m of site.mounts) L.push("", ...mountLines(m));
  L.push("</VirtualHost>");
  return `${L.join("\n")}\n`;
}

function backendOf(m: MountInput): string {
  return m.upstream.kind === "unix" ? `unix:${assertBare(m.upstream.path, "socket.path")}|fcgi://localhost/` : `fcgi://${assertBare(m.upstream.host, "socket.tcp")}:${m.upstream.port}/`;
}

function mountLines(m: MountInput): string[] {
  const { web } = m;
  const L: string[] = [];
  const timeout = web.extra.readTimeoutS ? ` timeout=${web.extra.readTimeoutS}` : "";
  L.push(`    # App "${m.app}" at ${web.mount}: the regex owns exactly its URLs (not ${web.mount === "/" ? "another app's mount or a static prefix" : `${web.mount}x, another app's mount or a static prefix`}).`);
  L.push(`    ProxyPassMatch "${m.own}" "${backendOf(m)}"${timeout}`);
  // ProxyFCGISetEnvIf inside the app's own <LocationMatch>: besides scoping it to this app, at
  // VirtualHost level it made Apache answer 400 to any %25 in the path (measured on 2.4.71).
  L.push(`    <LocationMatch "${m.own}">`);
  if (m.params.length) {
    L.push("        # Extra parameters from the app spec (fastcgiParams); mod_proxy_fcgi passes the environment on.");
    for (const [name, value] of m.params) L.push(`        SetEnv ${assertBare(name, "fastcgiParams")} "${assertQuoted(value, `fastcgiParams.${name}`)}"`);
  }
  if (web.mount === "/") {
    L.push("        # Root mount: SCRIPT_NAME is empty and PATH_INFO is the decoded path (mod_proxy_fcgi sends neither).");
    L.push('        ProxyFCGISetEnvIf "true" SCRIPT_NAME');
    L.push('        ProxyFCGISetEnvIf "true" PATH_INFO "%{REQUEST_URI}"');
  } else {
    const re = m.own.slice(0, m.own.indexOf("(?:/"));
    L.push(`        # SCRIPT_NAME=${web.mount}, PATH_INFO=the rest of the decoded path (mod_proxy_fcgi sends neither).`);
    L.push(`        ProxyFCGISetEnvIf "true" SCRIPT_NAME "${web.mount}"`);
    L.push('        ProxyFCGISetEnvIf "true" PATH_INFO');
    L.push(`        ProxyFCGISetEnvIf "%{REQUEST_URI} =~ m|(?s)${re}(/.*)$|" PATH_INFO "$1"`);
  }
  L.push("    </LocationMatch>");
  return L;
}
