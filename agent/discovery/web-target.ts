// A FastCGI target found in a web server's config: where the server sends requests (a socket
// address in the agent's form, `unix:/path` or `tcp:HOST:PORT`) and how the site mounts it.
export type WebTarget = {
  server: "nginx" | "lighttpd" | "apache";
  address: string;
  /** The URL prefix ("/" for a whole site or a PHP pattern such as `\.php$`). */
  mount: string;
  serverName: string | null;
  /** A port or IPv4:port, as the spec's web.listen takes it. */
  listen: number | string | null;
  /** Set when the location serves PHP files from a document root (`location ~ \.php$`). */
  documentRoot: string | null;
  /** A literal SCRIPT_FILENAME (a one-script app). */
  scriptFilename: string | null;
  /** file:line */
  where: string;
};

/** `unix:/p`, `/p`, `127.0.0.1:9000`, `localhost:9000`, `[::1]:9000` → the agent's address form, or null. */
export function normalizeAddress(raw: string): string | null {
  let v = raw.trim().replace(/^["']|["']$/g, "");
  if (v.startsWith("unix:")) v = v.slice(5);
  if (v.startsWith("/")) return /^\/[^\s|"';]*$/.test(v) ? `unix:${v.replace(/\/+$/, "")}` : null;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(v);
  if (!m) return null;
  const host = m[1] === "localhost" ? "127.0.0.1" : m[1];
  return `tcp:${host}:${Number(m[2])}`;
}

/** A `listen`/port directive's value as web.listen: 80, "127.0.0.1:8080"; null for IPv6 or unix. */
export function normalizeListen(raw: string): number | string | null {
  const v = raw.trim().replace(/^["']|["']$/g, "");
  if (/^\d{1,5}$/.test(v)) return Number(v);
  const m = /^(\*|0\.0\.0\.0|\d+\.\d+\.\d+\.\d+)?:(\d{1,5})$/.exec(v);
  if (m) return !m[1] || m[1] === "*" || m[1] === "0.0.0.0" ? Number(m[2]) : `${m[1]}:${m[2]}`;
  const hp = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(v);
  return hp ? `${hp[1]}:${hp[2]}` : null;
}

/** A URL mount from a location/prefix: "/app/" → "/app"; a regex or extension pattern → "/". */
export function mountOf(prefix: string): string {
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(prefix)) return "/";
  return prefix.length > 1 ? prefix.replace(/\/+$/, "") || "/" : prefix;
}
