// Readiness: has a new process finished starting (settled), and does the socket answer a real request?
import type { AppSpec } from "../../lib/protocol";
import { fastcgiRequest, parseAddress } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import { hasAccepted, waitingInAccept } from "./accept-state";
import { isAlive, readProcStat } from "./proc-stats";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every pid has finished loading: asleep and no longer burning CPU (waiting for
 * connections), or already serving one (under load a ready process is rarely idle).
 * Returns the pids that died instead (empty = all settled).
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
      if (hasAccepted(pid) || waitingInAccept(pid)) stable.set(pid, 2);
      else stable.set(pid, same ? (stable.get(pid) ?? 0) + 1 : 0);
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

/**
 * Probes until one succeeds or the deadline passes (or `stop` is aborted: the caller gave up).
 * Resolves with null, or the last answer's error: a probe cut short by the deadline itself ("no
 * response within 100 ms") does not hide what an earlier one heard (say, "probe answered 503").
 */
export async function probeUntil(spec: AppSpec, address: string, timeoutMs: number, stop?: AbortSignal): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = "not probed";
  let heard: string | null = null;
  while (Date.now() < deadline && !stop?.aborted) {
    const budget = Math.max(100, Math.min(2000, deadline - Date.now()));
    const began = Date.now();
    last = await probeOnce(spec, address, budget);
    if (last === null) return null;
    if (Date.now() - began < budget) heard = last; // answered (or refused) within its time: not a timeout
    await sleep(25);
  }
  return heard ?? last;
}

/** Waits until every pid is stopped (SIGSTOP took effect: state T) or gone. */
export async function waitStopped(pids: number[], timeoutMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((pid) => { const st = readProcStat(pid); return !st || st.state === "T" || st.state === "t"; })) return;
    await sleep(2);
  }
}

/**
 * Wakes the processes waiting in accept() on a shared socket. A signal that interrupts a process
 * blocked in accept() can consume the kernel's single (exclusive) wake-up for a new connection,
 * leaving that connection queued while the others sleep. A fresh connection wakes one of them,
 * and it drains the whole queue, oldest first.
 */
export async function kickAcceptors(address: string, count: number): Promise<void> {
  const target = parseAddress(address);
  const { connect } = await import("node:net");
  await Promise.all(
    Array.from({ length: count }, () => new Promise<void>((resolve) => {
      const s = "path" in target ? connect(target.path) : connect(target.port, target.host);
      const done = () => { s.destroy(); resolve(); };
      s.setTimeout(1000, done);
      s.on("connect", done); // queued is enough: the wake-up happens when it is queued
      s.on("error", done);
    })),
  );
}
