// The deployment health gate: a real FastCGI GET of deploy.healthPath to the app's socket,
// which must answer 2xx (stricter than readiness, which only rules out crashes and 5xx).
import type { AppSpec } from "../../lib/protocol";
import { fastcgiRequest, parseAddress } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import { socketAddress } from "../supervisor/app-socket";

export type HealthAnswer = { ok: boolean; detail: string };

export async function checkHealthOnce(spec: AppSpec, healthPath: string, timeoutMs: number): Promise<HealthAnswer> {
  const params = cgiParams({ method: "GET", path: healthPath, extra: { ...spec.fastcgiParams, HTTP_USER_AGENT: "stoker-deploy-health" } });
  try {
    const res = await fastcgiRequest(parseAddress(socketAddress(spec.socket)), params, undefined, timeoutMs);
    if (res.stdout.length === 0) return { ok: false, detail: `empty response${res.stderr ? `; stderr: ${res.stderr.slice(0, 2000)}` : ""}` };
    const parsed = parseCgiResponse(res.stdout);
    const body = parsed.body.subarray(0, 500).toString("utf8");
    const stderr = res.stderr ? `; stderr: ${res.stderr.slice(0, 2000)}` : "";
    return parsed.status >= 200 && parsed.status < 300
      ? { ok: true, detail: `GET ${healthPath} answered ${parsed.status}` }
      : { ok: false, detail: `GET ${healthPath} answered ${parsed.status}: ${body}${stderr}` };
  } catch (e) {
    return { ok: false, detail: `GET ${healthPath} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Asks a few times within the deadline: a process that just started may answer the first one late. */
export async function checkHealth(spec: AppSpec, healthPath: string, timeoutMs: number, attempts = 3): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: HealthAnswer = { ok: false, detail: "not checked" };
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    last = await checkHealthOnce(spec, healthPath, Math.max(100, deadline - Date.now()));
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
