// The words an alert sends: a firing says what is wrong; a recovery says what cleared, where, since
// when and for how long, and the value now, and does not read like the firing again (issue 19).
import { describe, expect, it } from "vitest";
import { buildMessage, messageSummary, messageText, messageTitle, spanText } from "./alert-message";

const base = {
  event: "app.http.5xx-rate" as const,
  rule: { id: "r1", name: "too many 5xx" },
  app: { id: "a1", name: "shop" },
  host: { id: "h1", name: "web-1" },
  subject: "shop",
  summary: "31.0% of 200 requests answered 5xx (threshold 10%)",
  detail: "GET /checkout 502\nGET /cart 502",
  count: 3,
  firstAt: "2026-12-06T14:00:00.000Z",
  alertId: "al1",
};

describe("a firing message", () => {
  it("says FIRING, what is wrong, the rule, the app and host, and the detail", () => {
    const m = buildMessage({ ...base, status: "firing" });
    expect(m.clearedAt).toBeNull();
    expect(m.current).toBe("");
    const lines = messageText(m).split("\n");
    expect(lines[0]).toBe("[FIRING] shop: 5xx rate above threshold");
    expect(lines[1]).toBe(base.summary);
    expect(lines).toContain("3 occurrences since 2026-12-06T14:00:00.000Z.");
    expect(lines).toContain("Rule: too many 5xx");
    expect(lines).toContain("App: shop on web-1");
    expect(messageText(m)).toContain("GET /checkout 502");
    expect(messageSummary(m)).toBe(base.summary);
  });
});

describe("a recovery message", () => {
  const m = buildMessage({ ...base, status: "resolved", clearedAt: "2026-12-06T14:12:30.000Z", current: "0.4% of 812 requests answered 5xx (threshold 10%)" });
  const text = messageText(m);
  const lines = text.split("\n");

  it("says RESOLVED and what cleared where after how long, not the firing line first", () => {
    expect(messageTitle(m)).toBe("[RESOLVED] shop: 5xx rate above threshold");
    expect(lines[1]).toBe("Recovered: 5xx rate above threshold cleared on shop (host web-1) after 12 min 30 s.");
    expect(lines[2]).toBe("Firing since 2026-12-06 14:00:00 UTC, cleared 2026-12-06 14:12:30 UTC; 3 occurrences.");
    expect(messageSummary(m)).toBe(lines[1]);
  });

  it("gives the value now, and the firing text only marked as the past, without the firing's detail", () => {
    expect(lines).toContain("Now: 0.4% of 812 requests answered 5xx (threshold 10%)");
    expect(lines).toContain(`It was: ${base.summary}`);
    expect(lines).not.toContain(base.summary);
    expect(text).not.toContain("GET /checkout 502");
    expect(lines).toContain("App: shop on web-1");
  });

  it("leaves out Now when the clear carried no value, and names a host for host events", () => {
    const host = buildMessage({ ...base, event: "host.agent.offline", app: null, subject: "web-1", summary: "The agent on web-1 has been away since 2026-12-06T14:00:00.000Z.", detail: "", count: 1, status: "resolved", clearedAt: "2026-12-06T16:05:00.000Z" });
    const t = messageText(host).split("\n");
    expect(t[0]).toBe("[RESOLVED] web-1: Agent offline");
    expect(t[1]).toBe("Recovered: Agent offline cleared on host web-1 after 2 h 5 min.");
    expect(t[2]).toBe("Firing since 2026-12-06 14:00:00 UTC, cleared 2026-12-06 16:05:00 UTC.");
    expect(t.some((l) => l.startsWith("Now:"))).toBe(false);
    expect(t).toContain("Host: web-1");
  });
});

describe("spanText", () => {
  it("reads a duration in its two largest units", () => {
    expect(spanText(0)).toBe("0 s");
    expect(spanText(45_000)).toBe("45 s");
    expect(spanText(125_000)).toBe("2 min 5 s");
    expect(spanText(3600_000)).toBe("1 h");
    expect(spanText((2 * 86400 + 4 * 3600 + 59) * 1000)).toBe("2 d 4 h");
  });
});
