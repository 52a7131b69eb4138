// POSTs a JSON body to a channel's URL with a timeout, bounded retries and a bounded body, and says
// what happened in words for the history. Loopback addresses are allowed (local relays); redirects
// are not followed (a 3xx is a failure, so a URL cannot be bounced somewhere else).
import "server-only";

export type PostOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };
export const BODY_MAX = 64 << 10;
const ATTEMPTS = 3;
const TIMEOUT_MS = Number(process.env.STOKER_ALERT_TIMEOUT_MS) || 10_000;
const BACKOFF_MS = [0, 1000, 3000];

export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<PostOutcome> {
  if (Buffer.byteLength(body) > BODY_MAX) return { ok: false, attempts: 0, error: `message larger than ${BODY_MAX} bytes, not sent` };
  let error = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (BACKOFF_MS[attempt - 1]) await new Promise((r) => setTimeout(r, BACKOFF_MS[attempt - 1]));
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Stoker-Alerts/1", ...headers },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel().catch(() => {}); // the answer's body is not needed: do not read an unbounded one
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt };
      error = `HTTP ${res.status}`;
      // A 4xx other than 408/429 will not get better by retrying.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return { ok: false, attempts: attempt, error };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      error = (e as Error).name === "TimeoutError" ? `no answer within ${TIMEOUT_MS} ms` : cause ? `connection failed (${cause})` : "connection failed";
    }
  }
  return { ok: false, attempts: ATTEMPTS, error };
}
