// Renders a site as one nginx `server {}` block (for /etc/nginx/conf.d/), with a location per app.
// Pure: text in, text out. Every value is checked again by render-input's assert* helpers.
import { assertBare, assertQuoted, hstsValue, httpsOrigin, type MountInput, prefixRegex, type SiteInput, upstreamLabel } from "./render-input";

export function renderNginx(site: SiteInput): string {
  const listen = site.host ? `${assertBare(site.host, "web.listen")}:${site.port}` : String(site.port);
  const L: string[] = [];
  L.push(`# Stoker: nginx site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  const serverNames = `    server_name ${site.names.map((n) => assertBare(n, "web.serverName")).join(" ")};`;
  const format = accessFormatName(site);
  if (site.accessLog) {
    // At http level (this file is included there); named after the site, as log_format names are global.
    L.push("# One line per request for the agent's metrics: app, status, request time (agent/metrics/access-line.ts).");
    L.push(`log_format ${format} 'stoker1 $stoker_app $status s $request_time';`);
  }
  L.push("server {");
  L.push(`    listen ${listen}${site.tls ? " ssl" : ""};`);
  L.push(serverNames);
  if (site.errorLog) {
    L.push("    # This site's own error log: the agent gives its lines (and the apps' FastCGI stderr) to the apps.");
    L.push(`    error_log ${assertBare(site.errorLog, "errorLog")} warn;`);
  }
  if (site.accessLog) {
    L.push("    # The site's access log (metrics): each app's location names its app; anything else is \"-\".");
    L.push('    set $stoker_app "-";');
    L.push(`    access_log ${assertBare(site.accessLog, "accessLog")} ${format};`);
  }
  if (site.tls) {
    L.push("    # TLS: the app sees HTTPS=on and REQUEST_SCHEME=https.");
    L.push(`    ssl_certificate ${assertBare(site.tls.certificate, "web.tls.certificate")};`);
    L.push(`    ssl_certificate_key ${assertBare(site.tls.key, "web.tls.key")};`);
    const hsts = hstsValue(site);
    // No location sets add_header, so every response of the site inherits this one.
    if (hsts) L.push(`    add_header Strict-Transport-Security "${hsts}" always;`);
  }
  for (const s of site.statics) {
    // `^~` stops the regex search, and the trailing slashes on both sides avoid the
    // classic alias traversal (`location /static` + `alias /dir/` serves `/static../`).
    L.push("", `    # Static files under ${s.url}/ come straight from disk; no app sees them.`);
    L.push(`    location ^~ ${assertBare(s.url, "web.static[].url")}/ {`);
    L.push(`        alias ${assertBare(s.dir, "web.static[].dir")}/;`);
    L.push("    }");
  }
  for (const m of site.mounts) L.push("", ...mountLines(m));
  L.push("}");
  if (site.tls?.redirectFrom) {
    L.push("", `# Plain HTTP on port ${site.tls.redirectFrom} only redirects to https.`);
    L.push("server {");
    L.push(`    listen ${site.host ? `${assertBare(site.host, "web.listen")}:` : ""}${site.tls.redirectFrom};`);
    L.push(serverNames);
    if (site.tls.acmeWebroot) {
      // A server-level `return` would run before any location: the redirect moves into `location /`.
      L.push("    # ACME HTTP-01: the CA fetches its challenge tokens over plain HTTP, from the agent's webroot.");
      L.push("    location ^~ /.well-known/acme-challenge/ {");
      L.push(`        root ${assertBare(site.tls.acmeWebroot, "acme webroot")};`);
      L.push("        default_type text/plain;");
      L.push("    }");
      L.push("    location / {");
      L.push(`        return 301 ${httpsOrigin(site)}$request_uri;`);
      L.push("    }");
    } else {
      L.push(`    return 301 ${httpsOrigin(site)}$request_uri;`);
    }
    L.push("}");
  }
  return `${L.join("\n")}\n`;
}

function mountLines(m: MountInput): string[] {
  if (m.web.documentRoot) return phpMountLines(m, m.web.documentRoot);
  const { web } = m;
  const L: string[] = [];
  L.push(`    # App "${m.app}".`);
  if (web.mount === "/") {
    L.push("    # Mounted at /: SCRIPT_NAME is empty and PATH_INFO is the decoded path. Other apps' mounts");
    L.push("    # are regex locations, which nginx prefers to this prefix location.");
    L.push("    location / {");
    L.push('        fastcgi_param SCRIPT_NAME "";');
    L.push("        fastcgi_param PATH_INFO $uri;");
  } else {
    const re = prefixRegex(web.mount);
    L.push(`    # Mounted at ${web.mount}: SCRIPT_NAME=${web.mount}, PATH_INFO=the rest of the decoded path.`);
    L.push(`    # The regex matches ${web.mount} and ${web.mount}/... (not ${web.mount}x, nor another app's mount inside it).`);
    L.push("    # No try_files here: it would reset $fastcgi_path_info.");
    L.push(`    location ~ ${m.own} {`);
    // (?s): a %0A in the path must not stop the split and leak into SCRIPT_NAME.
    L.push(`        fastcgi_split_path_info (?s)^(${re})(/.*)$;`);
    L.push("        fastcgi_param SCRIPT_NAME $fastcgi_script_name;");
    L.push("        fastcgi_param PATH_INFO $fastcgi_path_info;");
  }
  if (m.scriptFilename) {
    L.push("        # A one-script app: every request runs this file (fastcgiParams.SCRIPT_FILENAME).");
    L.push(`        fastcgi_param SCRIPT_FILENAME ${assertBare(m.scriptFilename, "fastcgiParams.SCRIPT_FILENAME")};`);
  }
  L.push(...appNameLines(m, "        "));
  L.push(...requestParams());
  L.push(...paramLines(m));
  L.push(...limitLines(m));
  L.push(`        fastcgi_pass ${passOf(m)};`);
  L.push("    }");
  return L;
}

/**
 * A PHP site: files under documentRoot (document root + URL path) are served by nginx; a `.php`
 * script that exists runs through the app with SCRIPT_FILENAME = document root + script path; a
 * missing `.php` is nginx's 404; any other path that names no file goes to the front controller.
 */
function phpMountLines(m: MountInput, documentRoot: string): string[] {
  const root = assertBare(documentRoot, "web.documentRoot");
  const mount = m.web.mount;
  const prefix = mount === "/" ? "/" : `${assertBare(mount, "web.mount")}/`;
  const front = m.web.frontController ? assertBare(m.web.frontController, "web.frontController") : null;
  const L: string[] = [];
  L.push(`    # App "${m.app}": a PHP site at ${mount}, files from ${root} (the document root + the URL path).`);
  if (mount !== "/") L.push(`    location = ${assertBare(mount, "web.mount")} { return 301 ${prefix}$is_args$args; }`);
  L.push(`    location ${prefix} {`);
  L.push(`        root ${root};`);
  L.push(...appNameLines(m, "        "));
  L.push("        index index.php index.html;");
  L.push(...limitLines(m));
  L.push(front ? `        # A path that names no file or directory goes to the front controller, query string intact.` : "        # A path that names no file or directory is a 404.");
  L.push(`        try_files $uri $uri/ ${front ? `${front}$is_args$args` : "=404"};`);
  // Nested, and bounded by the mount's own regex, so another app's /x.php on this site is not PHP's.
  L.push("        # .php scripts run through the app. Checked before the site's other regex locations, so the");
  L.push("        # regex is bounded by this mount's own URLs.");
  L.push(`        location ~ ${m.own}.*?[^/][.]php(?:/|$) {`);
  L.push("            fastcgi_split_path_info ^(.+?[.]php)(/.*)$;");
  L.push(...appNameLines(m, "            "));
  L.push("            # try_files resets $fastcgi_path_info: keep it first.");
  L.push("            set $stoker_path_info $fastcgi_path_info;");
  L.push("            # A script that does not exist is the server's 404, never the app's.");
  L.push("            try_files $fastcgi_script_name =404;");
  // $realpath_root: with a deploy's `current` symlink in documentRoot, PHP sees the release it
  // runs, so its realpath cache and opcache never keep serving the previous one.
  L.push("            fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;");
  L.push("            fastcgi_param SCRIPT_NAME $fastcgi_script_name;");
  L.push("            fastcgi_param PATH_INFO $stoker_path_info;");
  L.push("            fastcgi_param DOCUMENT_ROOT $realpath_root;");
  L.push(...requestParams().map((l) => `    ${l}`));
  L.push(...paramLines(m).map((l) => `    ${l}`));
  L.push("            # Body limit, header buffer and timeout: inherited from the enclosing location.");
  L.push(`            fastcgi_pass ${passOf(m)};`);
  L.push("        }");
  L.push("    }");
  return L;
}

function requestParams(): string[] {
  return [
    "        fastcgi_param QUERY_STRING $query_string;",
    "        fastcgi_param REQUEST_METHOD $request_method;",
    "        fastcgi_param CONTENT_TYPE $content_type;",
    "        fastcgi_param CONTENT_LENGTH $content_length;",
    "        fastcgi_param REQUEST_URI $request_uri;",
    "        fastcgi_param DOCUMENT_URI $document_uri;",
    "        fastcgi_param SERVER_PROTOCOL $server_protocol;",
    "        fastcgi_param REQUEST_SCHEME $scheme;",
    "        fastcgi_param HTTPS $https if_not_empty;",
    "        fastcgi_param GATEWAY_INTERFACE CGI/1.1;",
    "        fastcgi_param SERVER_SOFTWARE nginx;",
    "        fastcgi_param REMOTE_ADDR $remote_addr;",
    "        fastcgi_param REMOTE_PORT $remote_port;",
    "        fastcgi_param SERVER_ADDR $server_addr;",
    "        fastcgi_param SERVER_PORT $server_port;",
    "        fastcgi_param SERVER_NAME $server_name;",
  ];
}

function paramLines(m: MountInput): string[] {
  if (!m.params.length) return [];
  return [
    "        # Extra parameters from the app spec (fastcgiParams).",
    ...m.params.map(([name, value]) => `        fastcgi_param ${assertBare(name, "fastcgiParams")} "${assertQuoted(value, `fastcgiParams.${name}`)}";`),
  ];
}

function limitLines(m: MountInput): string[] {
  const L = [
    `        # Bodies over ${m.bodyLimit} are refused with 413 before they reach the app (the same limit on every server).`,
    `        client_max_body_size ${assertBare(m.bodyLimit, "web.extra.clientMaxBodySize")};`,
    // nginx's own 4k/8k buffer answers 502 to an app that sends a few cookies too many.
    `        # Response headers up to ${m.headerBuffer} (nginx's own default of 4k/8k answers 502 above it).`,
    `        fastcgi_buffer_size ${assertBare(m.headerBuffer, "web.extra.headerBufferSize")};`,
    `        fastcgi_buffers 8 ${m.headerBuffer};`,
  ];
  if (m.web.extra.readTimeoutS) L.push(`        fastcgi_read_timeout ${m.web.extra.readTimeoutS}s;`);
  return L;
}

function passOf(m: MountInput): string {
  return m.upstream.kind === "unix" ? `unix:${assertBare(m.upstream.path, "socket.path")}` : assertBare(upstreamLabel(m.upstream), "socket.tcp");
}

/** The app's name in the access log (a nested location runs only its own `set`s). */
function appNameLines(m: MountInput, indent: string): string[] {
  return [`${indent}set $stoker_app ${assertBare(m.app, "name")};`];
}

/** The site's log_format name: log_format names are global to nginx, so each site has its own. */
function accessFormatName(site: SiteInput): string {
  return `stoker_${`${site.serverName}_${site.host ?? "any"}_${site.port}`.replace(/[^A-Za-z0-9_]/g, "_")}`;
}
