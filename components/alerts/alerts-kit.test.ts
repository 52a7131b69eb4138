// Status pills: an uptime check's last result reads "up" or "down" (issue 19: it said "sent", a
// delivery's word, beside "200 24 ms"), coloured like a healthy or a failed state.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { StatusPill } from "./alerts-kit";

const html = (status: string) => renderToStaticMarkup(createElement(StatusPill, { status }));

describe("StatusPill", () => {
  it("colours up like a healthy state and down like a failure", () => {
    expect(html("up")).toContain("bg-emerald-100");
    expect(html("up")).toContain(">up<");
    expect(html("down")).toContain("bg-red-100");
  });
});
