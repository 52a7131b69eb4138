// Renders a site as one lighttpd conditional (for /etc/lighttpd/conf-enabled/ via include): a
// $SERVER["socket"] / $HTTP["host"] pair holding one $HTTP["url"] block per app, so it touches no other site.
import { assertBare, assertQuoted, type MountInput, prefixRegex, type SiteInput } from "./render-input";

export function renderLighttpd(site: SiteInput): string {
  const names = site.names.map((n) => prefixRegex(assertBare(n, "web.serverName")));
  const hostRe = `^(${names.join("|")})(:[0-9]+)?$`;
  const L: string[] = [];
  L.push(`# Stoker: lighttpd site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  L.push("# Needs mod_fastcgi, mod_alias and mod_setenv in server.modules");
  L.push("# (Debian: lighty-enable-mod fastcgi setenv; mod_alias is loaded by default).");
  // A socket condition also makes lighttpd listen there; the same address as server.port is shared.
  L.push(`$SERVER["socket"] == "${site.host ? assertBare(site.host, "web.listen") : ""}:${site.port}" {`);
  L.push(`  # Match the Host header with or without a :port, case-normalised by lighttpd${site.names.length > 1 ? " (localhost also answers as 127.0.0.1)" : ""}.`);
  L.push(`  $HTTP["host"] =~ "${hostRe}" {`);
  if (site.statics.length) {
    L.push("    # Static files come straight from disk; no app sees them (each app's URL condition leaves them out).");
    const pairs = site.statics.map((s) => `"${assertBare(s.url, "web.static[].url")}/" => "${assertBare(s.dir, "web.static[].dir")}/"`);
    L.push(`    alias.url += ( ${pairs.join(", ")} )`);
  }
  for (const m of site.mounts) L.push(...mountLines(m));
  L.push("  }");
  L.push("}");
  return `${L.join("\n")}\n`;
}

function mountLines(m: MountInput): string[] {
  const { web } = m;
  const L: string[] = [];
  // The condition matches exactly this app's URLs: "/app" and "/app/...", never "/appx", another
  // app's mount inside this one or a static prefix (fastcgi.server would claim it before mod_alias).
  L.push(`    # App "${m.app}" at ${web.mount}: SCRIPT_NAME=${web.mount === "/" ? '""' : web.mount}, PATH_INFO=the rest of the path.`);
  L.push(`    $HTTP["url"] =~ "${m.own}" {`);
  // lighttpd counts in KiB; round up so "1500" bytes still allows 1500 bytes.
  L.push(`      # Bodies over ${m.bodyLimit} are refused with 413 (the same limit on every server).`);
  L.push(`      server.max-request-size = ${Math.ceil(m.bodyLimitBytes / 1024)}`);
  if (m.params.length) {
    L.push("      # Extra parameters from the app spec (fastcgiParams), passed to the app's environment.");
    const pairs = m.params.map(([n, v]) => `"${assertBare(n, "fastcgiParams")}" => "${assertQuoted(v, `fastcgiParams.${n}`)}"`);
    L.push(`      setenv.add-environment = ( ${pairs.join(", ")} )`);
  }
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

export function upstreamLines(m: MountInput, indent: string): string[] {
  if (m.upstream.kind === "unix") return [`${indent}"socket" => "${assertBare(m.upstream.path, "socket.path")}",`];
  return [`${indent}"host" => "${assertBare(m.upstream.host.replace(/^\[|\]$/g, ""), "socket.tcp")}",`, `${indent}"port" => ${m.upstream.port},`];
}
