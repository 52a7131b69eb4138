// Apache: `ProxyPass PREFIX unix:/p|fcgi://…` or `fcgi://HOST:PORT/`, `ProxyPassMatch`, and
// `SetHandler "proxy:unix:/p|fcgi://localhost"` (PHP files under the DocumentRoot), with the
// enclosing <VirtualHost>'s port, ServerName and DocumentRoot. Line by line, no evaluation.
import { mountOf, normalizeAddress, normalizeListen, type WebTarget } from "./web-target";

/** `unix:/p|fcgi://localhost/` → unix:/p; `fcgi://127.0.0.1:9000/x` → tcp:127.0.0.1:9000. */
function fcgiAddress(url: string): string | null {
  const v = url.replace(/^["']|["']$/g, "").replace(/^proxy:/, "");
  const unix = /^unix:([^|]+)\|fcgi:/i.exec(v);
  if (unix) return normalizeAddress(unix[1]);
  const tcp = /^fcgi:\/\/([^/]+)/i.exec(v);
  return tcp ? normalizeAddress(tcp[1]) : null;
}

type Vhost = { listen: number | string | null; name: string | null; root: string | null };

export function apacheTargets(file: string, text: string): WebTarget[] {
  const out: WebTarget[] = [];
  const pending: { t: Omit<WebTarget, "serverName" | "listen" | "documentRoot">; php: boolean }[] = [];
  let vhost: Vhost = { listen: null, name: null, root: null };
  const flush = () => {
    for (const p of pending.splice(0)) {
      out.push({ ...p.t, serverName: vhost.name, listen: vhost.listen ?? 80, documentRoot: p.php ? vhost.root : null });
    }
  };
  text.split("\n").forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith("#")) return;
    const words = l.split(/\s+/);
    const d = words[0].toLowerCase();
    const where = `${file}:${i + 1}`;
    if (d === "<virtualhost") {
      flush();
      vhost = { listen: normalizeListen((words[1] ?? "").replace(/>$/, "")), name: null, root: null };
    } else if (d === "</virtualhost>") {
      flush();
      vhost = { listen: null, name: null, root: null };
    } else if (d === "servername" && words[1]) vhost.name = /^[a-z0-9.-]+$/i.test(words[1]) ? words[1].toLowerCase() : null;
    else if (d === "documentroot" && words[1]) vhost.root = words[1].replace(/^["']|["']$/g, "");
    else if ((d === "proxypass" || d === "proxypassmatch") && words[2]) {
      const address = fcgiAddress(words[2]);
      if (!address) return;
      const prefix = words[1].replace(/^["']|["']$/g, "");
      const php = d === "proxypassmatch" || !prefix.startsWith("/");
      pending.push({ t: { server: "apache", address, mount: php ? "/" : mountOf(prefix), scriptFilename: null, where }, php });
    } else if (d === "sethandler" && words[1]) {
      const address = fcgiAddress(words.slice(1).join(" "));
      if (address) pending.push({ t: { server: "apache", address, mount: "/", scriptFilename: null, where }, php: true });
    }
  });
  flush();
  return out;
}
