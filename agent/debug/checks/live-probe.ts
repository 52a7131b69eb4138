// A real FastCGI request straight to the app's running socket, bypassing the web server: the
// socket accepts (the kernel queues the connection) but does the app ever answer?
import { lstatSync } from "node:fs";
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";
import { FastcgiError, fastcgiRequest, parseAddress } from "../../fastcgi/client";
import { cgiParams } from "../../fastcgi/http-response";

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

export async function probeLiveSocket(spec: AppSpec, timeoutMs: number): Promise<DoctorFinding[]> {
  if (spec.socket.path) {
    try {
      if (!lstatSync(spec.socket.path).isSocket()) return [];
    } catch {
      return []; // not running: run-by-hand covers it
    }
  }
  const address = spec.socket.path ? `unix:${spec.socket.path}` : `tcp:${spec.socket.tcp}`;
  try {
    await fastcgiRequest(parseAddress(address), cgiParams({ method: "GET", path: spec.ready.path, extra: spec.fastcgiParams }), Buffer.alloc(0), timeoutMs);
    return [];
  } catch (e) {
    if (e instanceof FastcgiError && e.kind === "timeout") return [noResponseFinding(address, timeoutMs, "")];
    return [];
  }
}
