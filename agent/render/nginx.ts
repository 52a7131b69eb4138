// Renders a site as one nginx `server {}` block (for /etc/nginx/conf.d/), with a location per app.
// Pure: text in, text out. Every value is checked again by render-input's assert* helpers.
import { assertBare, assertQuoted, type MountInput, prefixRegex, type SiteInput, upstreamLabel } from "./render-input";

export function renderNginx(site: SiteInput): string {
  const listen = site.host ? `${assertBare(site.host, "web.listen")}:${site.port}` : String(site.port);
  const L: string[] = [];
  L.push(`# Stoker: nginx site ${assertBare(site.serverName, "web.serverName")}:${site.port}. Generated from the app specs; edit them, not this file.`);
  L.push(`# Apps: ${site.mounts.map((m) => `${assertBare(m.app, "name")} at ${m.web.mount}`).join(", ")}.`);
  L.push("server {");
  L.push(`    listen ${listen};`);
  L.push(`    server_name ${site.names.map((n) => assertBare(n, "web.serverName")).join(" ")};`);
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
  return `${L.join("\n")}\n`;
}

function mountLines(m: MountInput): string[] {
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
  L.push(...requestParams());
  L.push(...paramLines(m));
  L.push(...limitLines(m));
  L.push(`        fastcgi_pass ${passOf(m)};`);
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
