// The client's address, for rate limits and audit rows: the TCP peer, unless the peer is a reverse
// proxy named in STOKER_TRUSTED_PROXIES; then the nearest X-Forwarded-For entry that is not itself a
// trusted proxy. A client-sent X-Forwarded-For is never believed from anyone else.
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

function normalize(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

/** Parses STOKER_TRUSTED_PROXIES: comma-separated addresses or CIDR ranges (127.0.0.1, ::1, 10.0.0.0/8). */
export function parseTrustedProxies(value: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (value ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits] = raw.split("/");
    const family = isIP(addr) === 6 ? "ipv6" : isIP(addr) === 4 ? "ipv4" : null;
    if (!family) throw new Error(`STOKER_TRUSTED_PROXIES: "${raw}" is not an IP address or CIDR range.`);
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

let cached: { value: string | undefined; list: BlockList } | null = null;
function trusted(): BlockList {
  const value = process.env.STOKER_TRUSTED_PROXIES;
  if (!cached || cached.value !== value) cached = { value, list: parseTrustedProxies(value) };
  return cached.list;
}

function isTrusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? "ipv6" : "ipv4");
}

export function clientAddress(req: IncomingMessage, list: BlockList = trusted()): string {
  const peer = normalize(req.socket.remoteAddress ?? "");
  if (!isTrusted(list, peer)) return peer;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => normalize(s.trim()))
    .filter(Boolean);
  // Right to left: each trusted proxy appended the address it saw; the first untrusted one is the client.
  for (let i = hops.length - 1; i >= 0; i--) {
    if (isIP(hops[i]) === 0) return peer; // garbage in the chain: fall back to the proxy itself
    if (!isTrusted(list, hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
