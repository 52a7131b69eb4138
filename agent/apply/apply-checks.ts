// The probes that decide whether an apply is good: the site answers through OUR server (not some
// other program on its port), with a status below 500, and with the same status the app gives for
// the same request straight on its socket; other sites on the server still answer.
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import type { WebServer } from "../../lib/protocol";
import { serverListens } from "./server-process";

export type ProbeSpec = {
  /** An http:// URL through the web server, e.g. http://127.0.0.1:8080/yourapplication/. */
  url: string;
  /** Host header to send (the site's serverName). */
  host?: string;
  /** Keep trying for this long before calling the probe failed (a reload may still be settling). */
  timeoutMs?: number;
  /** A stricter test of the status (no answer and >= 500 always fail). */
  healthy?: (status: number) => boolean;
  /** The same request straight to the app's socket: its status, or null when it gives none. */
  direct?: () => Promise<number | null>;
};

export type ProbeCheck = "no-answer" | "server-error" | "unexpected-status" | "differs-from-socket" | "not-listener" | "other-site-down";

export type ProbeResult = { healthy: true; status: number; ms: number } | { healthy: false; status: number; ms: number; check: ProbeCheck; detail: string };

export type ServerIdentity = { server: WebServer; masterPid: () => number | null };

/** One GET through the server; 0 when nothing answers in HTTP. */
export function probeOnce(spec: Pick<ProbeSpec, "url" | "host">, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(spec.url);
    const tls = url.protocol === "https:";
    // A TLS site is probed over https, by its name (SNI); whether the certificate is trusted is not
    // this probe's question (a self-signed or private-CA certificate is a valid setup).
    const send = tls ? httpsRequest : request;
    const req = send(
      {
        host: url.hostname,
        port: url.port || (tls ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers: { Host: spec.host ?? url.host, Connection: "close" },
        agent: false,
        ...(tls ? { servername: spec.host ?? url.hostname, rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function judgeOnce(spec: ProbeSpec, who: ServerIdentity | null, directStatus: number | null): Promise<ProbeResult> {
  const url = new URL(spec.url);
  const started = Date.now();
  if (who && /^\d+\.\d+\.\d+\.\d+$/.test(url.hostname)) {
    const verdict = serverListens(who.server, who.masterPid(), url.hostname, Number(url.port || (url.protocol === "https:" ? 443 : 80)));
    if (verdict.ours === false) {
      return { healthy: false, status: 0, ms: 0, check: "not-listener", detail: `${who.server} is not the program listening there: ${verdict.detail}.` };
    }
  }
  const status = await probeOnce(spec);
  const ms = Date.now() - started;
  const where = `${spec.url}${spec.host ? ` (Host: ${spec.host})` : ""}`;
  if (status === 0) return { healthy: false, status, ms, check: "no-answer", detail: `No HTTP answer from ${where}.` };
  if (status >= 500) return { healthy: false, status, ms, check: "server-error", detail: `${where} answered ${status}.` };
  if (spec.healthy && !spec.healthy(status)) return { healthy: false, status, ms, check: "unexpected-status", detail: `${where} answered ${status}.` };
  if (directStatus !== null && status !== directStatus) {
    return {
      healthy: false,
      status,
      ms,
      check: "differs-from-socket",
      detail: `${where} answered ${status} through the web server, but the app answers ${directStatus} to the same request on its socket.`,
    };
  }
  return { healthy: true, status, ms };
}

/** Probes until healthy or `timeoutMs` passes (a reload may still be switching workers). */
export async function probeUntil(spec: ProbeSpec, who: ServerIdentity | null): Promise<ProbeResult> {
  const deadline = Date.now() + (spec.timeoutMs ?? 3000);
  const directStatus = spec.direct ? await spec.direct().catch(() => null) : null;
  for (;;) {
    const result = await judgeOnce(spec, who, directStatus);
    if (result.healthy || Date.now() + 200 > deadline) return result;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The other sites that answer now (status 1..499): after the change each must still answer. */
export async function answeringSites(sites: readonly ProbeSpec[]): Promise<ProbeSpec[]> {
  const statuses = await Promise.all(sites.map((s) => probeOnce(s, 3000)));
  return sites.filter((_, i) => (statuses[i] ?? 0) > 0 && (statuses[i] ?? 0) < 500);
}

/** The first of `sites` that no longer answers (each retried until its timeout), or null. */
export async function firstSiteDown(sites: readonly ProbeSpec[]): Promise<ProbeResult | null> {
  const results = await Promise.all(
    sites.map(async (s) => {
      const deadline = Date.now() + (s.timeoutMs ?? 3000);
      for (;;) {
        const status = await probeOnce(s, 3000);
        if (status > 0 && status < 500) return null;
        if (Date.now() + 200 > deadline) {
          const where = `${s.url}${s.host ? ` (Host: ${s.host})` : ""}`;
          return { healthy: false as const, status, ms: 0, check: "other-site-down" as const, detail: `Another site on this server stopped answering: ${where} ${status ? `answered ${status}` : "gave no answer"}.` };
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  return results.find((r) => r !== null) ?? null;
}
