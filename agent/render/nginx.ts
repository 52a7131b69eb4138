// Renders an app's web section as an nginx `server {}` block (for /etc/nginx/conf.d/).
// Pure: text in, text out. Every value is checked again by render-input's assert* helpers.
import { listenParts } from "../../lib/protocol";
import { assertBare, assertQuoted, prefixRegex, type RenderInput, upstreamLabel } from "./render-input";

export function renderNginx(input: RenderInput): string {
  const { web } = input;
  const { host, port } = listenParts(web.listen);
  const listen = host ? `${assertBare(host, "web.listen")}:${port}` : String(port);
  const pass = input.upstream.kind === "unix" ? `unix:${assertBare(input.upstream.path, "socket.path")}` : assertBare(upstreamLabel(input.upstream), "socket.tcp");
  const L: string[] = [];
  L.push(`# Stoker: nginx site for app "${assertBare(input.app, "name")}". Generated from the app spec; edit the spec, not this file.`);
  L.push(`# FastCGI upstream: ${pass} (mounted at ${web.mount})`);
  L.push("server {");
  L.push(`    listen ${listen};`);
  L.push(`    server_name ${assertBare(web.serverName, "web.serverName")};`);
  if (web.extra.clientMaxBodySize) {
    L.push("", "    # Larger request bodies are refused with 413 before they reach the app.");
    L.push(`    client_max_body_size ${assertBare(web.extra.clientMaxBodySize, "web.extra.clientMaxBodySize")};`);
  }
  for (const s of web.static) {
    // `^~` stops the regex search, and the trailing slashes on both sides avoid the
    // classic alias traversal (`location /static` + `alias /dir/` serves `/static../`).
    L.push("", `    # Static files under ${s.url}/ come straight from disk; the app never sees them.`);
    L.push(`    location ^~ ${assertBare(s.url, "web.static[].url")}/ {`);
    L.push(`        alias ${assertBare(s.dir, "web.static[].dir")}/;`);
    L.push("    }");
  }
  L.push("");
  if (web.mount === "/") {
    L.push("    # The app owns the whole site: SCRIPT_NAME is empty and PATH_INFO is the decoded path.");
    L.push("    location / {");
    L.push('        fastcgi_param SCRIPT_NAME "";');
    L.push("        fastcgi_param PATH_INFO $uri;");
  } else {
    const re = prefixRegex(web.mount);
    L.push(`    # The app lives under ${web.mount}: SCRIPT_NAME=${web.mount}, PATH_INFO=the rest of the decoded path.`);
    L.push(`    # The regex matches ${web.mount} and ${web.mount}/... but not ${web.mount}x. No try_files here:`);
    L.push("    # it would reset $fastcgi_path_info.");
    L.push(`    location ~ ^${re}(?:/|$) {`);
    // (?s): a %0A in the path must not stop the split and leak into SCRIPT_NAME.
    L.push(`        fastcgi_split_path_info (?s)^(${re})(/.*)$;`);
    L.push("        fastcgi_param SCRIPT_NAME $fastcgi_script_name;");
    L.push("        fastcgi_param PATH_INFO $fastcgi_path_info;");
  }
  L.push("        fastcgi_param QUERY_STRING $query_string;");
  L.push("        fastcgi_param REQUEST_METHOD $request_method;");
  L.push("        fastcgi_param CONTENT_TYPE $content_type;");
  L.push("        fastcgi_param CONTENT_LENGTH $content_length;");
  L.push("        fastcgi_param REQUEST_URI $request_uri;");
  L.push("        fastcgi_param DOCUMENT_URI $document_uri;");
  L.push("        fastcgi_param SERVER_PROTOCOL $server_protocol;");
  L.push("        fastcgi_param REQUEST_SCHEME $scheme;");
  L.push("        fastcgi_param HTTPS $https if_not_empty;");
  L.push("        fastcgi_param GATEWAY_INTERFACE CGI/1.1;");
  L.push("        fastcgi_param SERVER_SOFTWARE nginx;");
  L.push("        fastcgi_param REMOTE_ADDR $remote_addr;");
  L.push("        fastcgi_param REMOTE_PORT $remote_port;");
  L.push("        fastcgi_param SERVER_ADDR $server_addr;");
  L.push("        fastcgi_param SERVER_PORT $server_port;");
  L.push("        fastcgi_param SERVER_NAME $server_name;");
  if (input.params.length) {
    L.push("        # Extra parameters from the app spec (fastcgiParams).");
    for (const [name, value] of input.params) {
      L.push(`        fastcgi_param ${assertBare(name, "fastcgiParams")} "${assertQuoted(value, `fastcgiParams.${name}`)}";`);
    }
  }
  if (web.extra.readTimeoutS) {
    L.push(`        fastcgi_read_timeout ${web.extra.readTimeoutS}s;`);
  }
  L.push(`        fastcgi_pass ${pass};`);
  L.push("    }");
  L.push("}");
  return `${L.join("\n")}\n`;
}
