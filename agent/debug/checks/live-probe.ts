// A real FastCGI request straight to the app's running socket, bypassing the web server: the
// socket accepts (the kernel queues the connection) but does the app ever answer?
import { lstatSync } from "node:fs";
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";
import { FastcgiError, fastcgiRequest, parseAddress } from "../../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../../fastcgi/http-response";
import type { AppDown } from "../../supervisor/app-availability";
import { noLiveProcessFinding, unavailablePageState } from "./no-live-process";

export function noResponseFinding(where: string, timeoutMs: number, stderr: string): DoctorFinding {
  const tail = stderr.trim().split("\n").slice(-20).join("\n");
  return {
    code: "no-response",
    severity: "error",
    title: "The app accepts connections but never answers",
    detail: `A FastCGI GET to ${where} got no reply within ${timeoutMs} ms. The web server reports this as a timeout or "upstream prematurely closed connection".${tail ? `\n\nApp output:\n${tail}` : ""}`,
    fix: "Check that the app runs a FastCGI server loop on fd 0 (not plain CGI, not a different protocol such as uwsgi or HTTP), is not stuck at startup, and has no FCGI_WEB_SERVER_ADDRS for a Unix socket.",
  };
}

/** A 5xx from the running app: the request reached it, and the app itself failed it. */
export function serverErrorFinding(address: string, urlPath: string, status: number, stderr: string, body: string): DoctorFinding {
  const said = [stderr.trim() && `FastCGI stderr:\n${stderr.trim().slice(-2000)}`, body.trim() && `Body:\n${body.trim().slice(0, 1000)}`].filter(Boolean).join("\n\n");
  return {
    code: "server-error",
    severity: "error",
    title: `The app answers ${status} to a real request`,
    detail: `A FastCGI GET ${urlPath} straight to ${address} (bypassing the web server) got status ${status}.${said ? `\n\n${said}` : ""}`,
    fix: "The app runs but fails every request: look for the cause in its output (the findings below name it when the doctor recognises it, e.g. an import error), fix it, then restart the app.",
  };
}

export type LiveProbe = { findings: DoctorFinding[]; output: string };

/**
 * One real request to the running app's socket: a timeout or a 5xx is a finding; what the app said
 * is returned for the output checks. `down`: the agent answers for the app (no live process), so
 * the request would reach the agent's 503 page, not the app: that is reported instead of sending it.
 */
export async function probeLiveSocket(spec: AppSpec, timeoutMs: number, down?: AppDown | null): Promise<LiveProbe> {
  const none: LiveProbe = { findings: [], output: "" };
  if (down) return { findings: [noLiveProcessFinding(down)], output: down.output };
  if (spec.socket.path) {
    try {
      if (!lstatSync(spec.socket.path).isSocket()) return none;
    } catch {
      return none; // not running: run-by-hand covers it
    }
  }
  const address = spec.socket.path ? `unix:${spec.socket.path}` : `tcp:${spec.socket.tcp}`;
  try {
    const res = await fastcgiRequest(parseAddress(address), cgiParams({ method: "GET", path: spec.ready.path, extra: spec.fastcgiParams }), Buffer.alloc(0), timeoutMs);
    const parsed = parseCgiResponse(res.stdout);
    const body = parsed.body.toString("utf8");
    if (parsed.status < 500) return none;
    const agentState = unavailablePageState(parsed.status, body);
    if (agentState) return { findings: [noLiveProcessFinding({ state: agentState, lastExit: null, output: "" })], output: "" };
    return { findings: [serverErrorFinding(address, spec.ready.path, parsed.status, res.stderr, body)], output: `${res.stderr}\n${body}` };
  } catch (e) {
    if (e instanceof FastcgiError && e.kind === "timeout") return { findings: [noResponseFinding(address, timeoutMs, "")], output: "" };
    return none;
  }
}
