// "Send a test request": one HTTP-like request straight to an app's socket, bypassing the web server.
import { type AppSpec, err, ok, type Result, type TestRequest, type TestResponse } from "../../lib/protocol";
import { FastcgiError, fastcgiRequest, parseAddress } from "./client";
import { cgiParams, parseCgiResponse } from "./http-response";

const MAX_BODY = 1 << 20; // shown in full up to 1 MiB; the client keeps no more than that (plus headers)

export async function sendTestRequest(spec: AppSpec, address: string, req: TestRequest, timeoutMs = 10_000): Promise<Result<TestResponse>> {
  const body = Buffer.from(req.body);
  const params = cgiParams({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    bodyLength: body.length,
    extra: spec.fastcgiParams,
  });
  const started = performance.now();
  try {
    const res = await fastcgiRequest(parseAddress(address), params, body, timeoutMs);
    const parsed = parseCgiResponse(res.stdout);
    const text = parsed.body.subarray(0, MAX_BODY).toString("utf8");
    const cut = res.truncated || parsed.body.length > MAX_BODY;
    return ok({
      status: parsed.status,
      headers: parsed.headers,
      body: cut ? `${text}\n…[the answer is longer: only its first MiB is shown, the rest was not read]` : text,
      stderr: res.stderr.slice(0, MAX_BODY),
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  } catch (e) {
    const message = e instanceof FastcgiError ? e.message : "The test request failed.";
    return err("FAILED", message);
  }
}
