// lighttpd: each `fastcgi.server` entry (`"/prefix" => (( "socket" => "/p" ))` or `"host"`/`"port"`),
// with the nearest `$HTTP["host"] == "name"` before it and the file's `server.port`. Pattern
// matching over the text (comments removed), no evaluation.
import { lineAt } from "./bounded-files";
import { mountOf, normalizeAddress, type WebTarget } from "./web-target";

function stripComments(text: string): string {
  // A # outside a quoted string starts a comment; keep offsets (replace with spaces).
  let out = "";
  let quote = false;
  let comment = false;
  for (const c of text) {
    if (c === "\n") comment = false;
    else if (!comment && c === '"') quote = !quote;
    else if (!comment && !quote && c === "#") comment = true;
    out += comment ? " " : c;
  }
  return out;
}

export function lighttpdTargets(file: string, raw: string, port: number | null): WebTarget[] {
  const text = stripComments(raw);
  const out: WebTarget[] = [];
  const assign = /fastcgi\.server\s*\+?=\s*\(/g;
  for (let m = assign.exec(text); m; m = assign.exec(text)) {
    // The value runs to the matching parenthesis.
    let depth = 1;
    let end = m.index + m[0].length;
    for (; end < text.length && depth > 0; end++) {
      if (text[end] === "(") depth++;
      else if (text[end] === ")") depth--;
    }
    const value = text.slice(m.index + m[0].length, end);
    const before = text.slice(0, m.index);
    const hosts = [...before.matchAll(/\$HTTP\["host"\]\s*==\s*"([a-z0-9.-]+)"/gi)];
    const serverName = hosts.length ? hosts[hosts.length - 1][1].toLowerCase() : null;
    const keys = [...value.matchAll(/"([^"]+)"\s*=>\s*\(/g)].filter((k) => k[1].startsWith("/") || k[1].startsWith("."));
    keys.forEach((k, i) => {
      const part = value.slice(k.index, keys[i + 1]?.index ?? value.length);
      const socket = /"socket"\s*=>\s*"([^"]+)"/.exec(part)?.[1];
      const host = /"host"\s*=>\s*"([^"]+)"/.exec(part)?.[1];
      const p = /"port"\s*=>\s*"?(\d+)"?/.exec(part)?.[1];
      const address = socket ? normalizeAddress(socket) : host && p ? normalizeAddress(`${host}:${p}`) : null;
      if (!address) return;
      const php = k[1].startsWith(".");
      out.push({
        server: "lighttpd",
        address,
        mount: php ? "/" : mountOf(k[1]),
        serverName,
        listen: port ?? 80,
        documentRoot: php ? (/server\.document-root\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? null) : null,
        scriptFilename: null,
        where: `${file}:${lineAt(raw, m.index + m[0].length + (k.index ?? 0))}`,
      });
    });
  }
  return out;
}

/** `server.port = N` in any of lighttpd's files (the main config usually). */
export function lighttpdPort(texts: string[]): number | null {
  for (const t of texts) {
    const m = /^\s*server\.port\s*=\s*(\d{1,5})/m.exec(t);
    if (m) return Number(m[1]);
  }
  return null;
}
