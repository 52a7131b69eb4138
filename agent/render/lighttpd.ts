// Renders an app's web section as a lighttpd snippet (for /etc/lighttpd/conf-enabled/ via include).
// Everything is scoped by $SERVER["socket"] and $HTTP["host"], so it touches no other site.
import { listenParts, sizeToBytes } from "../../lib/protocol";
import { assertBare, assertQuoted, prefixRegex, type RenderInput } from "./render-input";

export function renderLighttpd(input: RenderInput): string {
  const { web } = input;
  const { host, port } = listenParts(web.listen);
  const hostRe = `^${prefixRegex(assertBare(web.serverName, "web.serverName"))}(:[0-9]+)?$`;
  const L: string[] = [];
  L.push(`# Stoker: lighttpd site for app "${assertBare(input.app, "name")}". Generated from the app spec; edit the spec, not this file.`);
  L.push("# Needs mod_fastcgi, mod_alias and mod_setenv in server.modules");
  L.push("# (Debian: lighty-enable-mod fastcgi setenv; mod_alias is loaded by default).");
  // A socket condition also makes lighttpd listen there; the same address as server.port is shared.
  L.push(`$SERVER["socket"] == "${host ? assertBare(host, "web.listen") : ""}:${port}" {`);
  L.push("  # Match the Host header with or without a :port, case-normalised by lighttpd.");
  L.push(`  $HTTP["host"] =~ "${hostRe}" {`);
  if (web.extra.clientMaxBodySize) {
    // lighttpd counts in KiB; round up so "1500" bytes still allows 1500 bytes.
    const kib = Math.ceil(sizeToBytes(web.extra.clientMaxBodySize) / 1024);
    L.push(`    # Larger request bodies are refused with 413 (${web.extra.clientMaxBodySize}).`);
    L.push(`    server.max-request-size = ${kib}`);
  }
  if (web.static.length) {
    L.push("    # Static files come straight from disk; the app never sees them.");
    const pairs = web.static.map((s) => `"${assertBare(s.url, "web.static[].url")}/" => "${assertBare(s.dir, "web.static[].dir")}/"`);
    L.push(`    alias.url += ( ${pairs.join(", ")} )`);
  }
  const staticRe = web.static.length ? `^(${web.static.map((s) => prefixRegex(s.url)).join("|")})/` : null;
  let indent = "    ";
  const close: string[] = [];
  if (staticRe) {
    // fastcgi.server claims a prefix before mod_alias maps files, so keep static prefixes out.
    L.push(`${indent}$HTTP["url"] !~ "${staticRe}" {`);
    close.push(`${indent}}`);
    indent += "  ";
  }
  if (web.mount !== "/") {
    // A bare "/app" key would also match "/appx"; the url condition enforces a segment boundary.
    L.push(`${indent}$HTTP["url"] =~ "^${prefixRegex(web.mount)}(/|$)" {`);
    close.push(`${indent}}`);
    indent += "  ";
  }
  if (input.params.length) {
    L.push(`${indent}# Extra parameters from the app spec (fastcgiParams), passed to the app's environment.`);
    const pairs = input.params.map(([n, v]) => `"${assertBare(n, "fastcgiParams")}" => "${assertQuoted(v, `fastcgiParams.${n}`)}"`);
    L.push(`${indent}setenv.add-environment = ( ${pairs.join(", ")} )`);
  }
  L.push(`${indent}# SCRIPT_NAME=${web.mount === "/" ? '""' : web.mount}, PATH_INFO=the rest of the path.`);
  L.push(`${indent}fastcgi.server = (`);
  L.push(`${indent}  "${web.mount}" => ((`);
  if (input.upstream.kind === "unix") {
    L.push(`${indent}    "socket" => "${assertBare(input.upstream.path, "socket.path")}",`);
  } else {
    L.push(`${indent}    "host" => "${assertBare(input.upstream.host.replace(/^\[|\]$/g, ""), "socket.tcp")}",`);
    L.push(`${indent}    "port" => ${input.upstream.port},`);
  }
  L.push(`${indent}    # The app is a long-running process the agent supervises: never look for a file on disk.`);
  L.push(`${indent}    "check-local" => "disable",`);
  if (web.mount === "/") {
    L.push(`${indent}    # Root mount: SCRIPT_NAME "" and the full path in PATH_INFO.`);
    L.push(`${indent}    "fix-root-scriptname" => "enable",`);
  }
  if (web.extra.readTimeoutS) L.push(`${indent}    "read-timeout" => ${web.extra.readTimeoutS},`);
  L.push(`${indent}  ))`);
  L.push(`${indent})`);
  for (const c of close.reverse()) L.push(c);
  L.push("  }");
  L.push("}");
  return `${L.join("\n")}\n`;
}
