// Reads nginx, lighttpd and Apache error-log lines about FastCGI backends, finds the socket they
// name (to attribute them to an app) and links a "premature end of headers" to its likely cause.
import type { SocketSpec } from "../../lib/protocol";

export type WebServer = "nginx" | "lighttpd" | "apache";
/** premature: the backend closed or sent nothing usable; connect: it could not be reached. */
export type WebServerErrorKind = "premature" | "connect" | "timeout" | "stderr" | "other";
export type WebServerError = {
  ts: string;
  server: WebServer;
  level: string;
  text: string;
  /** "unix:/path" or "tcp:host:port", as `socketAddress` writes them. */
  socket?: string;
  premature: boolean;
  kind: WebServerErrorKind;
};

// `s`: an entry may span several physical lines (nginx writes an app's stderr as it came, newlines and all).
const NGINX = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/s;
// lighttpd 1.4.69 writes "(file.c.123) text"; mod_fastcgi's stderr lines have no space after the ")".
const LIGHTTPD = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}): \(([^)]+)\) ?(.*)$/s;
const APACHE = /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4})\] \[(?:[\w-]+:)?(\w+)\] (.*)$/s;
const HEADS: Record<WebServer, RegExp> = { nginx: NGINX, lighttpd: LIGHTTPD, apache: APACHE };

/**
 * Groups physical log lines into entries: a line that does not start like one of `server`'s log
 * lines continues the entry before it (nginx's multi-line "FastCGI sent in stderr", Apache's
 * "(98)Address already in use" before its own line). `carry`: an unfinished entry from before.
 */
export function joinEntries(lines: readonly string[], server: WebServer): string[] {
  const entries: string[] = [];
  for (const line of lines) {
    if (entries.length && !HEADS[server].test(line)) entries[entries.length - 1] += `\n${line}`;
    else entries.push(line);
  }
  return entries;
}

/** Apache escapes what it logs (ap_escape_logitem): "\n", "\t", "\\", "\"" and "\xHH". */
function unescapeApache(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[ntr"\\])/g, (_m, c: string) =>
    c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c.startsWith("x") ? String.fromCharCode(Number.parseInt(c.slice(1), 16)) : c,
  );
}

/**
 * What the app wrote on its FastCGI stderr stream, whole, as lines: nginx's
 * `FastCGI sent in stderr: "..." while ...` (raw, may span lines), lighttpd's `FastCGI-stderr:...`
 * (one line each), Apache's `AH01071: Got error '...'` (escaped). null when the entry is not one.
 */
export function stderrContent(error: WebServerError): string[] | null {
  let content: string | undefined;
  if (error.server === "nginx") content = /FastCGI sent in stderr: "(.*)" while (?:reading|sending)/s.exec(error.text)?.[1] ?? /FastCGI sent in stderr: "(.*)"/s.exec(error.text)?.[1];
  else if (error.server === "lighttpd") content = /FastCGI-stderr:(.*)$/s.exec(error.text)?.[1];
  else {
    const raw = /AH01071: Got error '(.*)'(?:, referer: \S*)?$/s.exec(error.text)?.[1];
    content = raw === undefined ? undefined : unescapeApache(raw);
  }
  if (content === undefined) return null;
  const lines = content.replace(/\r\n/g, "\n").split("\n");
  while (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Each server's wording, checked in order: connect and timeout first, because Apache's AH01075
// ("Error dispatching request") follows both a timeout and a backend that died.
const KINDS: Record<WebServer, Array<[WebServerErrorKind, RegExp]>> = {
  nginx: [
    // First: the app's stderr may itself contain words that look like the kinds below.
    ["stderr", /^FastCGI sent in stderr/],
    ["connect", /connect\(\) (?:to \S+ )?failed|no live upstreams/],
    ["timeout", /upstream timed out/],
    ["premature", /upstream prematurely closed connection|(?:recv|readv)\(\) failed \(104: Connection reset by peer\) while reading/],
  ],
  lighttpd: [
    ["stderr", /^\([^)]+\) ?FastCGI-stderr:/],
    ["connect", /establishing connection failed|all handlers for .* are down/],
    ["timeout", / timeout on socket:/],
    ["premature", /perhaps the (?:fastcgi |gw )?process died|response not received, request sent|unexpected close of gw connection|connection was dropped after accept/],
  ],
  apache: [
    ["stderr", /^(?:\[[^\]]*\] )*AH01071: Got error/],
    ["connect", /AH02454|AH00957|AH00959|AH01079/],
    ["timeout", /\(70007\)|timeout specified has expired|read data timeout/],
    ["premature", /AH01067|AH01068|AH01070|AH01075|Premature end of script headers|End of script output before headers/],
  ],
};

function localIso(y: string, mo: number, d: string, h: string, mi: string, s: string): string {
  // Web servers log wall-clock time in the host's zone, the same host the agent runs on.
  return new Date(Number(y), mo, Number(d), Number(h), Number(mi), Number(s)).toISOString();
}

/** "unix:/path" / "tcp:host:port" for an app's socket spec, or for a raw address string. */
export function socketAddress(spec: Pick<SocketSpec, "path" | "tcp"> | string): string | null {
  const raw = typeof spec === "string" ? spec : spec.path ? `unix:${spec.path}` : spec.tcp ? `tcp:${spec.tcp}` : null;
  if (!raw) return null;
  if (raw.startsWith("unix:")) return `unix:${raw.slice(5).replace(/[:,.]+$/, "")}`;
  if (raw.startsWith("/")) return `unix:${raw}`;
  const hostPort = raw.startsWith("tcp:") ? raw.slice(4) : raw;
  const m = /^(.+):(\d{1,5})$/.exec(hostPort.replace(/[,.]+$/, ""));
  if (!m) return null;
  const host = m[1] === "localhost" ? "127.0.0.1" : m[1]; // nginx logs the resolved address
  return `tcp:${host}:${m[2]}`;
}

function findSocket(server: WebServer, text: string): string | undefined {
  let raw: string | undefined;
  if (server === "nginx") {
    raw = /upstream: "(?:fastcgi|uwsgi|scgi|https?):\/\/([^"]+)"/.exec(text)?.[1] ?? /connect\(\) to (\S+) failed/.exec(text)?.[1];
    if (raw?.startsWith("unix:")) raw = raw.replace(/:$/, ""); // nginx writes "fastcgi://unix:/run/x.sock:"
  } else if (server === "lighttpd") {
    raw = /socket: ((?:unix|tcp):\S+)/.exec(text)?.[1];
  } else {
    const unix = /Unix domain socket (\/\S+)/.exec(text)?.[1] ?? /unix:(\/[^|\s]+)\|/.exec(text)?.[1];
    raw = unix ? `unix:${unix}` : /attempt to connect to (\S+:\d+) \(/.exec(text)?.[1] ?? /fcgi:\/\/([^/\s:]+:\d+)/.exec(text)?.[1];
  }
  return raw ? (socketAddress(raw) ?? undefined) : undefined;
}

function classify(server: WebServer, text: string): WebServerErrorKind {
  for (const [kind, re] of KINDS[server]) if (re.test(text)) return kind;
  return "other";
}

/** Parses one error-log line of any of the three servers (or only `server`); null when it is not one. */
export function parseWebServerError(line: string, server?: WebServer): WebServerError | null {
  let ts: string;
  let level: string;
  let text: string;
  let found: WebServer;
  const n = !server || server === "nginx" ? NGINX.exec(line) : null;
  const l = !n && (!server || server === "lighttpd") ? LIGHTTPD.exec(line) : null;
  const a = !n && !l && (!server || server === "apache") ? APACHE.exec(line) : null;
  if (n) {
    [ts, level, text, found] = [localIso(n[1], Number(n[2]) - 1, n[3], n[4], n[5], n[6]), n[7], n[8], "nginx"];
  } else if (l) {
    [ts, level, text, found] = [localIso(l[1], Number(l[2]) - 1, l[3], l[4], l[5], l[6]), "error", `(${l[7]}) ${l[8]}`, "lighttpd"];
  } else if (a) {
    const month = MONTHS.indexOf(a[1]);
    if (month < 0) return null;
    [ts, level, text, found] = [localIso(a[6], month, a[2], a[3], a[4], a[5]), a[7], a[8], "apache"];
  } else return null;
  const kind = classify(found, text);
  const socket = findSocket(found, text);
  return { ts, server: found, level, text, ...(socket ? { socket } : {}), premature: kind === "premature", kind };
}

/** The app whose socket the line names, given socketAddress → appId. Lines naming no socket stay unattributed. */
export function appForError(error: WebServerError, socketsToApps: ReadonlyMap<string, string>): string | null {
  if (!error.socket) return null;
  const direct = socketsToApps.get(error.socket);
  if (direct) return direct;
  for (const [address, appId] of socketsToApps) if (socketAddress(address) === error.socket) return appId;
  return null;
}

/** A URL or request target reduced to its path: no scheme, host, query or fragment. */
function pathOf(target: string): string | null {
  const noOrigin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(target);
  const p = (noOrigin ? (noOrigin[1] ?? "/") : target).replace(/[?#].*$/s, "");
  return p.startsWith("/") ? p : null;
}

/**
 * The request paths an entry names, best clue first: the request's own URI (nginx's `request:`,
 * Apache's `[uri ...]` from the rendered ErrorLogFormat), then its referer. lighttpd names none
 * (each of its mounts has its own error log instead).
 */
export function requestPaths(error: WebServerError): string[] {
  const found: string[] = [];
  if (error.server === "nginx") {
    const requests = [...error.text.matchAll(/, request: "[A-Z]+ (\S+) HTTP\/[\d.]+"/g)];
    const request = requests[requests.length - 1]?.[1];
    if (request) found.push(request);
    const referrer = /, referrer: "([^"]+)"\s*$/.exec(error.text)?.[1];
    if (referrer) found.push(referrer);
  } else if (error.server === "apache") {
    const uri = /^(?:\[[^\]]*\] )*?\[uri ([^\]\s]+)\]/.exec(error.text)?.[1];
    if (uri && uri !== "-") found.push(uri);
    const referer = /, referer: (\S+)$/.exec(error.text)?.[1];
    if (referer) found.push(referer);
  }
  return found.flatMap((t) => pathOf(t) ?? []);
}

/** The app whose mount holds `path`: the longest mount that is a prefix at a segment boundary. */
export function appForPath(path: string, mounts: readonly { appId: string; mount: string }[]): string | null {
  let best: { appId: string; mount: string } | null = null;
  for (const m of mounts) {
    const under = m.mount === "/" || path === m.mount || path.startsWith(`${m.mount}/`);
    if (under && (!best || m.mount.length > best.mount.length)) best = m;
  }
  return best?.appId ?? null;
}

/**
 * The candidate (a traceback, a process exit…) closest in time to the error line, within
 * `windowMs` on either side: the agent timestamps a traceback when it reads it, which can be a
 * moment after the web server has already logged the closed connection.
 */
export function linkPremature<T extends { ts: string }>(error: WebServerError, candidates: readonly T[], windowMs = 10_000): T | null {
  const at = Date.parse(error.ts);
  let best: T | null = null;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const gap = Math.abs(Date.parse(c.ts) - at);
    if (gap <= windowMs && gap < bestGap) {
      best = c;
      bestGap = gap;
    }
  }
  return best;
}
