// Renders a site as one Apache <VirtualHost> using mod_proxy_fcgi (never mod_fcgid, which spawns
// its own processes and would compete with the agent), one mount per app. For sites-enabled/.
import { assertBare, assertQuoted, hstsValue, httpsOrigin, type MountInput, type SiteInput } from "./render-input";

export function renderApache(site: SiteInput): string {
  const L: string[] = [];
  L.push(`# Stoker: Apache site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  const php = site.mounts.some((m) => m.web.documentRoot);
  const extra = [...(php ? ["mod_dir"] : []), ...(site.tls ? ["mod_ssl", ...(site.tls.hsts ? ["mod_headers"] : [])] : [])];
  const a2 = ["proxy_fcgi", "rewrite", ...(site.tls ? ["ssl"] : []), ...(site.tls?.hsts ? ["headers"] : [])];
  L.push(`# Needs mod_proxy, mod_proxy_fcgi, mod_alias, mod_env, mod_rewrite${extra.length ? `, ${extra.join(", ")}` : ""} (Debian: a2enmod ${a2.join(" ")}),`);
  L.push(`# and a Listen directive for port ${site.port} (Debian: ports.conf).`);
  const address = site.host ? assertBare(site.host, "web.listen") : "*";
  const names = [`    ServerName ${assertBare(site.serverName, "web.serverName")}`];
  const aliases = site.names.filter((n) => n !== site.serverName);
  if (aliases.length) names.push(`    # localhost also answers as ${aliases.join(" ")}, as on every server.`, `    ServerAlias ${aliases.map((n) => assertBare(n, "web.serverName")).join(" ")}`);
  L.push(`<VirtualHost ${address}:${site.port}>`);
  L.push(...names);
  if (site.errorLog) {
    // Apache's proxy_fcgi lines name no socket: the file names the site.
    L.push("    # This site's own error log: the agent gives its lines (and the apps' FastCGI stderr) to the apps.");
    L.push(`    ErrorLog "${assertBare(site.errorLog, "errorLog")}"`);
    // Apache's default format plus the request's URI (REQUEST_URI, set once the request is routed):
    // on a site with several apps the agent gives a line to the app whose mount the URI is under.
    L.push("    # Apache's default error-log format plus [uri ...]: the agent maps it to the app's mount.");
    L.push('    ErrorLogFormat "[%{u}t] [%-m:%l] [pid %P:tid %T] %7F: %E: [client\\ %a] [uri\\ %{REQUEST_URI}e] %M% ,\\ referer\\ %{Referer}i"');
  }
  if (site.accessLog) {
    // A condition per app, not an environment variable: mod_proxy_fcgi would pass that on to the app.
    const file = assertBare(site.accessLog, "accessLog");
    L.push("    # The site's access log (metrics): one line per request of each app, naming the app (mod_log_config).");
    for (const m of site.mounts) L.push(`    CustomLog "${file}" "stoker1 ${assertBare(m.app, "name")} %>s us %D" "expr=%{REQUEST_URI} =~ m#${m.own}#"`);
  }
  if (site.tls) {
    L.push("    # TLS (needs mod_ssl): the app sees HTTPS=on and REQUEST_SCHEME=https.");
    L.push("    SSLEngine on");
    L.push(`    SSLCertificateFile "${assertBare(site.tls.certificate, "web.tls.certificate")}"`);
    L.push(`    SSLCertificateKeyFile "${assertBare(site.tls.key, "web.tls.key")}"`);
    const hsts = hstsValue(site);
    if (hsts) L.push("    # Needs mod_headers.", `    Header always set Strict-Transport-Security "${hsts}"`);
  }
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
  if (site.tls?.redirectFrom) {
    L.push(`# Plain HTTP on port ${site.tls.redirectFrom} only redirects to https (and needs its own Listen).`);
    L.push(`<VirtualHost ${address}:${site.tls.redirectFrom}>`);
    L.push(...names);
    if (site.tls.acmeWebroot) {
      const webroot = assertBare(site.tls.acmeWebroot, "acme webroot");
      L.push("    # ACME HTTP-01: the CA fetches its challenge tokens over plain HTTP, from the agent's webroot;");
      L.push("    # every other path redirects (mod_alias runs Redirect* before Alias, hence the lookahead).");
      L.push(`    Alias "/.well-known/acme-challenge/" "${webroot}/.well-known/acme-challenge/"`);
      L.push(`    <Directory "${webroot}/.well-known/acme-challenge/">`);
      L.push("        Require all granted");
      L.push("        Options -Indexes");
      L.push("    </Directory>");
      L.push(`    RedirectMatch permanent "^/(?!\\.well-known/acme-challenge/)(.*)$" "${httpsOrigin(site)}/$1"`);
    } else {
      L.push(`    Redirect permanent / ${httpsOrigin(site)}/`);
    }
    L.push("</VirtualHost>");
  }
  return `${L.join("\n")}\n`;
}

/**
 * The app's backend URL. A Unix socket gets its own host label (the app's name): Apache keys its
 * workers by the fcgi:// URL, so two sockets both written as fcgi://localhost/ share one worker and
 * one app's requests reach the other's socket (measured on 2.4.71).
 */
function backendOf(m: MountInput): string {
  return m.upstream.kind === "unix"
    ? `unix:${assertBare(m.upstream.path, "socket.path")}|fcgi://${assertBare(m.app, "name")}/`
    : `fcgi://${assertBare(m.upstream.host, "socket.tcp")}:${m.upstream.port}/`;
}

function mountLines(m: MountInput): string[] {
  if (m.web.documentRoot) return phpMountLines(m, m.web.documentRoot);
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
  if (m.scriptFilename) {
    L.push("        # A one-script app: every request runs this file (fastcgiParams.SCRIPT_FILENAME).");
    L.push(`        ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "${assertBare(m.scriptFilename, "fastcgiParams.SCRIPT_FILENAME")}"`);
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

/**
 * A PHP site: Apache serves the files under documentRoot (document root + URL path); a `.php` script
 * that exists goes to the app through SetHandler (SCRIPT_FILENAME = the file, PATH_INFO the rest);
 * a missing one is Apache's 404; a path naming no file goes to the front controller.
 */
function phpMountLines(m: MountInput, documentRoot: string): string[] {
  const root = assertBare(documentRoot, "web.documentRoot");
  const mount = m.web.mount;
  const dir = mount === "/" ? root : `${root}${assertBare(mount, "web.mount")}`;
  const front = m.web.frontController ? assertBare(m.web.frontController, "web.frontController") : null;
  const L: string[] = [];
  L.push(`    # App "${m.app}": a PHP site at ${mount}, files from ${root} (the document root + the URL path).`);
  L.push(mount === "/" ? `    DocumentRoot "${root}"` : `    Alias "${mount}" "${dir}"`);
  L.push(`    <Directory "${dir}">`);
  L.push("        Require all granted");
  L.push("        # .htaccess files are not read: the routing is here, as nginx and lighttpd see it. (Apache");
  L.push("        # refuses a whole request when an .htaccess uses directives a narrower override level forbids.)");
  L.push("        AllowOverride None");
  L.push("        # FollowSymLinks: mod_rewrite in a directory needs it.");
  L.push("        Options -Indexes +FollowSymLinks");
  L.push("        DirectoryIndex index.php index.html");
  L.push("        AcceptPathInfo On");
  for (const [name, value] of m.params) L.push(`        SetEnv ${assertBare(name, "fastcgiParams")} "${assertQuoted(value, `fastcgiParams.${name}`)}"`);
  L.push('        <FilesMatch "[.]php$">');
  L.push("            # Only a script that exists goes to the app; a missing one stays Apache's 404.");
  L.push('            <If "-f %{REQUEST_FILENAME}">');
  // No trailing slash: Apache appends the script's path, and SCRIPT_FILENAME must not start with //.
  L.push(`                SetHandler "proxy:${backendOf(m).replace(/\/$/, "")}"`);
  L.push("            </If>");
  L.push("        </FilesMatch>");
  if (front) {
    L.push("        # A path that names no file or directory (and no .php script) goes to the front controller,");
    L.push("        # query string intact (FallbackResource would also send a missing .php there).");
    L.push("        RewriteEngine On");
    L.push("        RewriteCond %{REQUEST_FILENAME} !-f");
    L.push("        RewriteCond %{REQUEST_FILENAME} !-d");
    L.push("        RewriteCond %{REQUEST_URI} !^[^?]*[.]php(/|$)");
    L.push(`        RewriteRule ^ ${front} [L]`);
  }
  L.push("    </Directory>");
  return L;
}
