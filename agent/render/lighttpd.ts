// Renders a site as one lighttpd conditional (for /etc/lighttpd/conf-enabled/ via include): a
// $SERVER["socket"] / $HTTP["host"] pair holding one $HTTP["url"] block per app, so it touches no other site.
import { assertBare, assertQuoted, hstsValue, httpsOrigin, type MountInput, prefixRegex, type SiteInput } from "./render-input";

export function renderLighttpd(site: SiteInput): string {
  const names = site.names.map((n) => prefixRegex(assertBare(n, "web.serverName")));
  const hostRe = `^(${names.join("|")})(:[0-9]+)?$`;
  const L: string[] = [];
  L.push(`# Stoker: lighttpd site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  const php = site.mounts.some((m) => m.web.frontController);
  const extra = [...(php ? ["mod_rewrite"] : []), ...(site.tls ? ["mod_openssl", ...(site.tls.redirectFrom ? ["mod_redirect"] : [])] : [])];
  if (site.accessLog) extra.push("mod_accesslog");
  // The site loads the modules it needs itself: a stock Debian lighttpd.conf loads none of mod_fastcgi,
  // mod_setenv or mod_accesslog (without the last, the access log the metrics follow is never written).
  // lighttpd 1.4.69 loads a module named twice once, so a module conf-enabled/ also loads is harmless.
  const modules = ["mod_fastcgi", "mod_alias", "mod_setenv", ...extra];
  L.push(`server.modules += ( ${modules.map((m) => `"${m}"`).join(", ")} )`);
  // A socket condition also makes lighttpd listen there; the same address as server.port is shared.
  const address = site.host ? assertBare(site.host, "web.listen") : "";
  L.push(`$SERVER["socket"] == "${address}:${site.port}" {`);
  if (site.tls) {
    L.push("  # TLS (needs mod_openssl; Debian: lighttpd-mod-openssl): the app sees HTTPS=on and REQUEST_SCHEME=https.");
    L.push('  ssl.engine = "enable"');
    L.push(`  ssl.pemfile = "${assertBare(site.tls.certificate, "web.tls.certificate")}"`);
    L.push(`  ssl.privkey = "${assertBare(site.tls.key, "web.tls.key")}"`);
  }
  L.push(`  # Match the Host header with or without a :port, case-normalised by lighttpd${site.names.length > 1 ? " (localhost also answers as 127.0.0.1)" : ""}.`);
  L.push(`  $HTTP["host"] =~ "${hostRe}" {`);
  if (site.errorLog) {
    // lighttpd writes a conditional's errors there; its lines name no socket, the file names the site.
    L.push("    # This site's own error log (its directory must be writable by server.username).");
    L.push(`    server.errorlog = "${assertBare(site.errorLog, "errorLog")}"`);
  }
  if (site.accessLog) {
    L.push("    # The site's access log (metrics): each app's URL condition names its app; anything else is \"-\".");
    L.push(`    accesslog.filename = "${assertBare(site.accessLog, "accessLog")}"`);
    L.push(`    accesslog.format = "${accessFormat("-")}"`);
  }
  if (site.statics.length) {
    L.push("    # Static files come straight from disk; no app sees them (each app's URL condition leaves them out).");
    const pairs = site.statics.map((s) => `"${assertBare(s.url, "web.static[].url")}/" => "${assertBare(s.dir, "web.static[].dir")}/"`);
    L.push(`    alias.url += ( ${pairs.join(", ")} )`);
  }
  const hsts = hstsValue(site);
  if (hsts) L.push(`    setenv.add-response-header = ( "Strict-Transport-Security" => "${hsts}" )`);
  for (const m of site.mounts) L.push(...mountLines(m));
  L.push("  }");
  L.push("}");
  if (site.tls?.redirectFrom) {
    L.push(`# Plain HTTP on port ${site.tls.redirectFrom} only redirects to https (needs mod_redirect).`);
    L.push(`$SERVER["socket"] == "${address}:${site.tls.redirectFrom}" {`);
    L.push(`  $HTTP["host"] =~ "${hostRe}" {`);
    if (site.tls.acmeWebroot) {
      L.push("    # ACME HTTP-01: the CA fetches its challenge tokens over plain HTTP, from the agent's webroot.");
      L.push('    $HTTP["url"] =~ "^/[.]well-known/acme-challenge/" {');
      L.push(`      server.document-root = "${assertBare(site.tls.acmeWebroot, "acme webroot")}"`);
      L.push("    }");
      L.push("    else {");
      L.push(`      url.redirect = ( "^(.*)$" => "${httpsOrigin(site)}$1" )`);
      L.push("      url.redirect-code = 301");
      L.push("    }");
    } else {
      L.push(`    url.redirect = ( "^(.*)$" => "${httpsOrigin(site)}$1" )`);
      L.push("    url.redirect-code = 301");
    }
    L.push("  }");
    L.push("}");
  }
  return `${L.join("\n")}\n`;
}

/** The mount's own error log: lighttpd's lines there (its FastCGI stderr too) name neither socket nor URL. */
function mountLogLines(m: MountInput): string[] {
  if (!m.errorLog) return [];
  return ["      # This app's own error log: lighttpd picks it by this URL condition, so every line in it is this app's.", `      server.errorlog = "${assertBare(m.errorLog, "errorLog")}"`];
}

function mountLines(m: MountInput): string[] {
  if (m.web.documentRoot) return phpMountLines(m, m.web.documentRoot);
  const { web } = m;
  const L: string[] = [];
  // The condition matches exactly this app's URLs: "/app" and "/app/...", never "/appx", another
  // app's mount inside this one or a static prefix (fastcgi.server would claim it before mod_alias).
  L.push(`    # App "${m.app}" at ${web.mount}: SCRIPT_NAME=${web.mount === "/" ? '""' : web.mount}, PATH_INFO=the rest of the path.`);
  L.push(`    $HTTP["url"] =~ "${m.own}" {`);
  L.push(...mountLogLines(m));
  // lighttpd counts in KiB; round up so "1500" bytes still allows 1500 bytes.
  L.push(`      # Bodies over ${m.bodyLimit} are refused with 413 (the same limit on every server).`);
  L.push(`      server.max-request-size = ${Math.ceil(m.bodyLimitBytes / 1024)}`);
  L.push(...envLines(m));
  L.push(`      accesslog.format = "${accessFormat(m.app)}"`);
  L.push("      fastcgi.server = (");
  L.push(`        "${web.mount}" => ((`);
  L.push(...upstreamLines(m, "          "));
  L.push("          # The app is a long-running process the agent supervises: never look for a file on disk.");
  L.push('          "check-local" => "disable",');
  if (web.mount === "/") {
    L.push("          # Root mount: SCRIPT_NAME \"\" and the full path in PATH_INFO.");
    L.push('          "fix-root-scriptname" => "enable",');
  }
  if (web.extra.readTimeoutS) L.push(`          "read-timeout" => ${web.extra.readTimeoutS},`);
  L.push("        ))");
  L.push("      )");
  L.push("    }");
  return L;
}

/** Extra params (and a one-script app's SCRIPT_FILENAME, which overrides lighttpd's own) as the app's environment. */
function envLines(m: MountInput): string[] {
  const pairs = m.params.map(([n, v]) => `"${assertBare(n, "fastcgiParams")}" => "${assertQuoted(v, `fastcgiParams.${n}`)}"`);
  if (m.scriptFilename) pairs.unshift(`"SCRIPT_FILENAME" => "${assertBare(m.scriptFilename, "fastcgiParams.SCRIPT_FILENAME")}"`);
  if (!pairs.length) return [];
  return ["      # Extra parameters from the app spec (fastcgiParams), passed to the app's environment.", `      setenv.add-environment = ( ${pairs.join(", ")} )`];
}

/**
 * A PHP site: lighttpd serves the files under documentRoot (document root + URL path); `.php`
 * scripts that exist run through the app ("check-local" finds them, and splits PATH_INFO off), a
 * missing `.php` is lighttpd's 404, and a path naming no file goes to the front controller.
 */
function phpMountLines(m: MountInput, documentRoot: string): string[] {
  const front = m.web.frontController ? assertBare(m.web.frontController, "web.frontController") : null;
  const L: string[] = [];
  L.push(`    # App "${m.app}": a PHP site at ${m.web.mount}, files from ${documentRoot} (the document root + the URL path).`);
  L.push(`    $HTTP["url"] =~ "${m.own}" {`);
  L.push(...mountLogLines(m));
  L.push(`      server.document-root = "${assertBare(documentRoot, "web.documentRoot")}"`);
  L.push(`      accesslog.format = "${accessFormat(m.app)}"`);
  L.push('      index-file.names = ( "index.php", "index.html" )');
  L.push(`      # Bodies over ${m.bodyLimit} are refused with 413 (the same limit on every server).`);
  L.push(`      server.max-request-size = ${Math.ceil(m.bodyLimitBytes / 1024)}`);
  if (front) {
    // Not for .php paths: a script that does not exist stays a 404 from lighttpd.
    L.push("      # A path that names no file or directory (and no .php script) goes to the front controller, query intact.");
    L.push(`      url.rewrite-if-not-file = ( "^(?![^?]*[.]php(?:[/?]|$))" => "${front}\${qsa}" )`);
  }
  L.push(...envLines(m));
  L.push("      fastcgi.server = (");
  L.push('        ".php" => ((');
  L.push(...upstreamLines(m, "          "));
  L.push("          # Look for the script on disk: a missing one is a 404 here, not in the app.");
  L.push('          "check-local" => "enable",');
  L.push("          # SCRIPT_FILENAME is the script and PATH_INFO the rest, as PHP expects.");
  L.push('          "broken-scriptfilename" => "enable",');
  if (m.web.extra.readTimeoutS) L.push(`          "read-timeout" => ${m.web.extra.readTimeoutS},`);
  L.push("        ))");
  L.push("      )");
  L.push("    }");
  return L;
}

export function upstreamLines(m: MountInput, indent: string): string[] {
  if (m.upstream.kind === "unix") return [`${indent}"socket" => "${assertBare(m.upstream.path, "socket.path")}",`];
  return [`${indent}"host" => "${assertBare(m.upstream.host.replace(/^\[|\]$/g, ""), "socket.tcp")}",`, `${indent}"port" => ${m.upstream.port},`];
}

/** The access-log line (agent/metrics/access-line.ts): %D is the request time in microseconds. */
function accessFormat(app: string): string {
  return `stoker1 ${app === "-" ? "-" : assertBare(app, "name")} %s us %D`;
}
