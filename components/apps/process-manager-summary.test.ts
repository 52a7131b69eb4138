// The app page's process-manager line: what it shows of the count, what holds it back, and limits
// the host would not let the agent apply (issue #20: "say so in the UI where neither is writable").
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { type ProcessManagerStatus, ProcessManagerStatusSchema } from "@/lib/protocol/process-manager-spec";
import { ProcessManagerSummary } from "./process-manager-summary";

const NO_CGROUP = "no writable cgroup on this host (the agent is not root, or cgroups are read-only): limits are not applied";
const html = (pm: ProcessManagerStatus | null) => renderToStaticMarkup(createElement(ProcessManagerSummary, { pm }));
const status = (over: Partial<ProcessManagerStatus>) =>
  ProcessManagerStatusSchema.parse({ current: 1, min: 1, max: 1, dynamic: false, held: "", limits: null, ...over });

describe("ProcessManagerSummary", () => {
  it("says, as an alert, that limits are not applied where the host has no writable cgroup", () => {
    const out = html(status({ limits: { memoryMb: null, cpuPercent: null, pids: null, unavailable: [NO_CGROUP] } }));
    expect(out).toContain(`<span role="alert" class="text-red-700 dark:text-red-400">${NO_CGROUP}</span>`);
    expect(out).not.toContain("Limits:"); // nothing claimed as applied
  });

  it("shows the count of a dynamic app and what holds it back, and the limits that apply", () => {
    const held = "host memory: 300 MB available, 200 MB kept free, a process needs about 40 MB: 2 of 4 more process(es) started";
    const out = html(status({ current: 3, min: 0, max: 8, dynamic: true, held, limits: { memoryMb: 256, cpuPercent: null, pids: 50, unavailable: [] } }));
    expect(out).toContain('Processes <strong data-testid="pm-current">3</strong> (min 0, max 8) · on demand');
    expect(out).toContain(`held: ${held}`);
    expect(out).toContain("Limits: memory 256 MB, 50 pids");
    expect(out).not.toContain('role="alert"');
  });

  it("shows nothing for a fixed count without limits", () => {
    expect(html(status({}))).toBe("");
  });
});
