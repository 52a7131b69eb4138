// Readiness: has a new process finished starting (settled), and does the socket answer a real request?
import type { AppSpec } from "../../lib/protocol";
import { fastcgiRequest, parseAddress } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import { isAlive, readProcStat } from "./proc-stats";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every pid is alive, asleep and no longer burning CPU: it has finished loading
 * and is waiting for connections. Returns the pids that died instead (empty = all settled).
 */
export async function waitSettled(pids: number[], timeoutMs: number): Promise<{ dead: number[]; settled: boolean }> {
  const deadline = Date.now() + timeoutMs;
  const lastTicks = new Map<number, number>();
  const stable = new Map<number, number>();
  while (Date.now() < deadline) {
    const dead = pids.filter((pid) => !isAlive(pid));
    if (dead.length) return { dead, settled: false };
    for (const pid of pids) {
      const stat = readProcStat(pid);
      if (!stat) continue;
      const same = stat.state === "S" && lastTicks.get(pid) === stat.cpuTicks;
      stable.set(pid, same ? (stable.get(pid) ?? 0) + 1 : 0);
      lastTicks.set(pid, stat.cpuTicks);
    }
    if (pids.every((pid) => (stable.get(pid) ?? 0) >= 2)) return { dead: [], settled: true };
    await sleep(10);
  }
  return { dead: [], settled: false };
}

/** One readiness probe against the app's socket, as the spec says. Resolves with an error text or null. */
export async function probeOnce(spec: AppSpec, address: string, timeoutMs: number): Promise<string | null> {
  if (spec.ready.probe === "none") return null;
  const target = parseAddress(address);
  if (spec.ready.probe === "connect") {
    const { connect } = await import("node:net");
    return new Promise((resolve) => {
      const s = "path" in target ? connect(target.path) : connect(target.port, target.host);
      const t = setTimeout(() => {
        s.destroy();
        resolve("connect timed out");
      }, timeoutMs);
      s.on("connect", () => {
        clearTimeout(t);
        s.destroy();
        resolve(null);
      });
      s.on("error", (e) => {
        clearTimeout(t);
        resolve(`connect failed: ${e.message}`);
      });
    });
  }
  try {
    const params = cgiParams({ method: "GET", path: spec.ready.path, extra: { ...spec.fastcgiParams, HTTP_USER_AGENT: "stoker-probe" } });
    const res = await fastcgiRequest(target, params, undefined, timeoutMs);
    const status = parseCgiResponse(res.stdout).status;
    if (res.stdout.length === 0) return `empty FastCGI response${res.stderr ? `: ${res.stderr.slice(0, 500)}` : ""}`;
    return status >= 500 ? `probe answered ${status}` : null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Probes until one succeeds or the deadline passes. */
export async function probeUntil(spec: AppSpec, address: string, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = "not probed";
  while (Date.now() < deadline) {
    last = await probeOnce(spec, address, Math.max(100, Math.min(2000, deadline - Date.now())));
    if (last === null) return null;
    await sleep(25);
  }
  return last;
}
