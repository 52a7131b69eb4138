// A php-fpm pool's own view of itself: its status page (pm.status_path, `?json`), requested over
// FastCGI on the app's socket like any request, read every few seconds into the app's metrics.
import * as z from "zod";
import { fastcgiRequest, parseAddress } from "../fastcgi/client";
import { parseCgiResponse } from "../fastcgi/http-response";

const N = z.number().int().min(0);
const PageSchema = z.object({
  "accepted conn": N,
  "listen queue": N,
  "max listen queue": N,
  "idle processes": N,
  "active processes": N,
  "total processes": N,
  "max children reached": N,
  "slow requests": N,
});

/** What the metrics keep of a status page. `active` leaves out the worker answering the status request itself. */
export type FpmStatus = {
  active: number;
  idle: number;
  total: number;
  listenQueue: number;
  maxListenQueue: number;
  acceptedConn: number;
  maxChildrenReached: number;
  slowRequests: number;
};

export async function readFpmStatus(address: string, statusPath: string, timeoutMs = 2000): Promise<FpmStatus | string> {
  const params = {
    GATEWAY_INTERFACE: "CGI/1.1",
    REQUEST_METHOD: "GET",
    SCRIPT_NAME: statusPath,
    SCRIPT_FILENAME: statusPath,
    REQUEST_URI: `${statusPath}?json`,
    QUERY_STRING: "json",
    SERVER_PROTOCOL: "HTTP/1.1",
    SERVER_SOFTWARE: "stoker-agent",
    REMOTE_ADDR: "127.0.0.1",
  };
  try {
    const res = await fastcgiRequest(parseAddress(address), params, undefined, timeoutMs);
    const cgi = parseCgiResponse(res.stdout);
    if (cgi.status !== 200) return `the status page answered ${cgi.status}`;
    const page = PageSchema.safeParse(JSON.parse(cgi.body.toString("utf8")));
    if (!page.success) return "the status page is not php-fpm's JSON";
    const p = page.data;
    return {
      active: Math.max(0, p["active processes"] - 1),
      idle: p["idle processes"] + (p["active processes"] > 0 ? 1 : 0),
      total: p["total processes"],
      listenQueue: p["listen queue"],
      maxListenQueue: p["max listen queue"],
      acceptedConn: p["accepted conn"],
      maxChildrenReached: p["max children reached"],
      slowRequests: p["slow requests"],
    };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const POLL_MS = 5000;
const FRESH_MS = 3 * POLL_MS;

/** Reads the status page every few seconds while `target()` names one; `latest()` is the last good reading, if fresh. */
export class FpmStatusPoller {
  private last: { at: number; status: FpmStatus } | null = null;
  private timer: NodeJS.Timeout;
  private busy = false;

  constructor(private target: () => { address: string; statusPath: string } | null) {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  async poll(): Promise<FpmStatus | null> {
    const t = this.target();
    if (!t || this.busy) return this.latest();
    this.busy = true;
    try {
      const status = await readFpmStatus(t.address, t.statusPath);
      if (typeof status !== "string") this.last = { at: Date.now(), status };
    } finally {
      this.busy = false;
    }
    return this.latest();
  }

  latest(): FpmStatus | null {
    return this.last && Date.now() - this.last.at < FRESH_MS ? this.last.status : null;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
