// Renders an app's web section as an Apache <VirtualHost> using mod_proxy_fcgi (never mod_fcgid,
// which spawns its own processes and would compete with the agent). For /etc/apache2/sites-enabled/.
import { listenParts, sizeToBytes } from "../../lib/protocol";
import { assertBare, assertQuoted, prefixRegex, type RenderInput } from "./render-input";

export function renderApache(input: RenderInput): string {
  const { web } = input;
  const { host, port } = listenParts(web.listen);
  const backend =
    input.upstream.kind === "unix"
      ? `unix:${assertBare(input.upstream.path, "socket.path")}|fcgi://localhost/`
      : `fcgi://${assertBare(input.upstream.host, "socket.tcp")}:${input.upstream.port}/`;
  const L: string[] = [];
  L.push(`# Stoker: Apache site for app "${assertBare(input.app, "name")}". Generated from the app spec; edit the spec, not this file.`);
  L.push(`# Needs mod_proxy, mod_proxy_fcgi, mod_alias and mod_env${web.extra.clientMaxBodySize ? ", mod_rewrite" : ""} (Debian: a2enmod proxy_fcgi${web.extra.clientMaxBodySize ? " rewrite" : ""}),`);
  L.push(`# and a Listen directive for port ${port} (Debian: ports.conf).`);
  L.push(`<VirtualHost ${host ? assertBare(host, "web.listen") : "*"}:${port}>`);
  L.push(`    ServerName ${assertBare(web.serverName, "web.serverName")}`);
  L.push("    # SERVER_PORT is the port the request really arrived on, as nginx and lighttpd report it.");
  L.push("    UseCanonicalName Off");
  L.push("    UseCanonicalPhysicalPort On");
  L.push("    # Pass %2F through to the app still encoded instead of answering 404 (decoding it could");
  L.push("    # turn ..%2F into a path traversal for the static Alias).");
  L.push("    AllowEncodedSlashes NoDecode");
  if (web.extra.clientMaxBodySize) {
    // LimitRequestBody is not applied to reverse-proxied requests (httpd skips it when r->proxyreq
    // is set), so a declared length over the limit is refused here, before mod_proxy_fcgi streams it.
    L.push("", `    # Request bodies over ${web.extra.clientMaxBodySize} are refused with 413 before the app sees them (needs mod_rewrite;`);
    L.push("    # LimitRequestBody does not apply to proxied requests). A chunked body declares no length: the app should check too.");
    L.push("    RewriteEngine On");
    L.push(`    RewriteCond expr "%{HTTP:Content-Length} =~ /^[0-9]+$/ && %{HTTP:Content-Length} -gt ${sizeToBytes(web.extra.clientMaxBodySize)}"`);
    L.push("    RewriteRule ^ - [R=413,L]");
  }
  if (web.extra.readTimeoutS) {
    L.push("", "    # How long to wait for the app's answer.");
    L.push(`    ProxyTimeout ${web.extra.readTimeoutS}`);
  }
  for (const s of web.static) {
    const url = assertBare(s.url, "web.static[].url");
    const dir = assertBare(s.dir, "web.static[].dir");
    L.push("", `    # Static files under ${url}/ come straight from disk; "!" keeps them away from the app.`);
    L.push(`    ProxyPass "${url}/" "!"`);
    L.push(`    Alias "${url}/" "${dir}/"`);
    L.push(`    <Directory "${dir}/">`);
    L.push("        Require all granted");
    L.push("        Options -Indexes");
    L.push("    </Directory>");
  }
  const mountRe = web.mount === "/" ? "" : prefixRegex(web.mount);
  L.push("");
  L.push("    # The app speaks plain FastCGI (not PHP-FPM): no proxy:fcgi:// prefix games with SCRIPT_FILENAME.");
  L.push("    ProxyFCGIBackendType GENERIC");
  if (input.params.length) {
    L.push("    # Extra parameters from the app spec (fastcgiParams); mod_proxy_fcgi passes the environment on.");
    for (const [name, value] of input.params) {
      L.push(`    SetEnv ${assertBare(name, "fastcgiParams")} "${assertQuoted(value, `fastcgiParams.${name}`)}"`);
    }
  }
  if (web.mount === "/") {
    L.push("    # Root mount: SCRIPT_NAME is empty and PATH_INFO is the decoded path (mod_proxy_fcgi sends neither).");
    L.push(`    ProxyPass "/" "${backend}"`);
    L.push('    ProxyFCGISetEnvIf "true" SCRIPT_NAME');
    L.push('    ProxyFCGISetEnvIf "true" PATH_INFO "%{REQUEST_URI}"');
  } else {
    L.push(`    # Mounted at ${web.mount}: matches ${web.mount} and ${web.mount}/... but not ${web.mount}x.`);
    L.push(`    ProxyPassMatch "^${mountRe}(/.*)?$" "${backend}"`);
    L.push(`    # SCRIPT_NAME=${web.mount}, PATH_INFO=the rest of the decoded path (mod_proxy_fcgi sends neither).`);
    L.push(`    ProxyFCGISetEnvIf "true" SCRIPT_NAME "${web.mount}"`);
    L.push('    ProxyFCGISetEnvIf "true" PATH_INFO');
    L.push(`    ProxyFCGISetEnvIf "%{REQUEST_URI} =~ m|(?s)^${mountRe}(/.*)$|" PATH_INFO "$1"`);
  }
  L.push("</VirtualHost>");
  return `${L.join("\n")}\n`;
}
