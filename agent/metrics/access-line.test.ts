import { describe, expect, it } from "vitest";
import { parseAccessLine } from "./access-line";
import { quantile, RequestWindow } from "./request-window";

describe("parseAccessLine", () => {
  it("reads nginx's seconds and Apache's and lighttpd's microseconds as milliseconds", () => {
    expect(parseAccessLine("stoker1 shop 200 s 0.125")).toEqual({ app: "shop", status: 200, ms: 125 });
    expect(parseAccessLine("stoker1 shop 503 us 2500")).toEqual({ app: "shop", status: 503, ms: 2.5 });
  });

  it("skips requests no app served and lines of another format", () => {
    expect(parseAccessLine("stoker1 - 404 s 0.000")).toBeNull();
    expect(parseAccessLine('127.0.0.1 - - [05/Dec/2026] "GET / HTTP/1.1" 200 12')).toBeNull();
  });
});

describe("RequestWindow", () => {
  it("counts status classes and gives nearest-rank percentiles, then starts afresh", () => {
    const w = new RequestWindow();
    for (let i = 1; i <= 100; i++) w.add(i <= 90 ? 200 : i <= 95 ? 404 : 502, i);
    const s = w.take();
    expect(s).toMatchObject({ requests: 100, status2xx: 90, status4xx: 5, status5xx: 5, p50Ms: 50, p90Ms: 90, p99Ms: 99 });
    expect(w.take()).toMatchObject({ requests: 0, p99Ms: null });
    expect(w.totals.requests).toBe(100);
  });

  it("has no percentile without requests", () => {
    expect(quantile([], 0.5)).toBeNull();
  });
});
