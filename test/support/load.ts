// Bounded HTTP load for tests: N concurrent loops of plain GETs to a loopback URL, one fresh
// connection per request, stopping by itself after a duration or a request count.
import { request } from "node:http";
import { waitUntil } from "./wait";

export type LoadOptions = {
  /** An http:// URL on 127.0.0.1, localhost or [::1]; anything else is refused. */
  url: string;
  concurrency: number;
  /** Hard upper bound: the loop stops by itself after this long. */
  durationMs: number;
  /** Stop once this many requests have been started. */
  maxRequests?: number;
  /** Per-request limit; a request that takes longer counts as failed. */
  requestTimeoutMs?: number;
  /** How many distinct response bodies to keep (default 20). */
  sampleBodies?: number;
  /** Number the requests (`?n=0`, `?n=1`…) and keep each answered one's number and body (`answered`). */
  numbered?: boolean;
};

export type LoadResult = {
  requests: number;
  /** Network errors plus responses with status >= 500. */
  failed: number;
  statuses: Record<number, number>;
  /** Distinct error descriptions with their counts, e.g. "ECONNRESET x3" (at most 50). */
  errors: string[];
  /** Up to `sampleBodies` distinct bodies (trimmed), e.g. to see which pids answered. */
  bodies: string[];
  elapsedMs: number;
  /** When the first failures happened, in ms since the load started (at most 200). */
  failedAtMs: number[];
  /** With `numbered`: every request answered 2xx, its number and body. */
  answered?: { n: number; body: string }[];
};

export type RunningLoad = {
  /** Stops starting new requests, waits for in-flight ones, returns the tally. */
  stop(): Promise<LoadResult>;
  /**
   * The answers so far (each request that got an HTTP status), by status: a test waits for the load
   * to have reached a point (answers after a restart) instead of sleeping a machine-speed guess.
   */
  answers(): { total: number; statuses: Readonly<Record<number, number>> };
  /** Resolves when the load ends by itself (duration or maxRequests) or after stop(). */
  done: Promise<LoadResult>;
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const MAX_ERROR_KINDS = 50;

type One = { status: number | null; error: string | null; body: string };

function once(url: URL, timeoutMs: number): Promise<One> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: One) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    // agent:false + Connection: close: every request is a new connection, so a socket that a
    // dying backend generation broke cannot be reused and hide (or cause) a failure.
    const req = request(url, { method: "GET", agent: false, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => finish({ status: res.statusCode ?? 0, error: null, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e: NodeJS.ErrnoException) => finish({ status: null, error: e.code ?? e.message, body: "" }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new Error("request timeout"));
    });
    req.on("error", (e: NodeJS.ErrnoException) => finish({ status: null, error: e.code ?? e.message, body: "" }));
    req.end();
  });
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const url = new URL(opts.url);
  if (url.protocol !== "http:" || !LOOPBACK.has(url.hostname)) {
    throw new Error(`Load is for loopback http:// URLs only, not ${opts.url}`);
  }
  if (opts.concurrency < 1 || opts.durationMs <= 0) throw new Error("concurrency must be >= 1 and durationMs > 0");
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const sample = opts.sampleBodies ?? 20;
  const started = Date.now();
  const deadline = started + opts.durationMs;

  let stopping = false;
  let requests = 0;
  let failed = 0;
  const statuses: Record<number, number> = {};
  const errorCounts = new Map<string, number>();
  const bodies = new Set<string>();
  const answered: { n: number; body: string }[] = [];
  const failedAtMs: number[] = [];

  const worker = async () => {
    while (!stopping && Date.now() < deadline && (opts.maxRequests === undefined || requests < opts.maxRequests)) {
      const n = requests++;
      const target = new URL(url);
      if (opts.numbered) target.searchParams.set("n", String(n));
      const r = await once(target, timeoutMs);
      if (opts.numbered && r.status !== null && r.status < 300) answered.push({ n, body: r.body });
      if (r.status !== null) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.error !== null || (r.status !== null && r.status >= 500)) {
        failed++;
        if (failedAtMs.length < 200) failedAtMs.push(Date.now() - started);
      }
      if (r.error !== null && (errorCounts.has(r.error) || errorCounts.size < MAX_ERROR_KINDS)) {
        errorCounts.set(r.error, (errorCounts.get(r.error) ?? 0) + 1);
      }
      if (r.body && bodies.size < sample) bodies.add(r.body.trim().slice(0, 200));
    }
  };

  // The timer is a second guard: workers check the deadline, but a stuck request is cut by its timeout.
  const timer = setTimeout(() => {
    stopping = true;
  }, opts.durationMs);
  const done = Promise.all(Array.from({ length: opts.concurrency }, worker)).then((): LoadResult => {
    clearTimeout(timer);
    return {
      requests,
      failed,
      statuses,
      errors: [...errorCounts].map(([e, n]) => `${e} x${n}`),
      bodies: [...bodies],
      elapsedMs: Date.now() - started,
      failedAtMs,
      ...(opts.numbered ? { answered } : {}),
    };
  });
  return {
    done,
    answers: () => ({ total: Object.values(statuses).reduce((a, b) => a + b, 0), statuses: { ...statuses } }),
    stop() {
      stopping = true;
      return done;
    },
  };
}

export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return startLoad(opts).done;
}

/**
 * Waits until `load` has answered `n` more requests than `mark` (its `answers().total` at some
 * point, e.g. when a restart returned): a test sees the load flowing past that point however fast
 * the machine serves, where a fixed sleep and a total count were a guess at its speed. A backend
 * that serves nothing any more times out (30 s).
 */
export function answeredSince(load: RunningLoad, mark: number, what: string, n = 20): Promise<boolean> {
  return waitUntil(() => load.answers().total >= mark + n, 30_000, `${n} answers ${what}`, 20);
}
