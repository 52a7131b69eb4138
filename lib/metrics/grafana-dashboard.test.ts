// The sample Grafana dashboard (docs/grafana-dashboard.json) asks only for series GET /api/v1/metrics
// exposes, by the labels it carries (app, host, class, quantile, slot): a renamed metric fails here,
// not as an empty panel in someone's Grafana.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

type Panel = { title: string; targets?: { expr: string }[] };
const dashboard = JSON.parse(readFileSync(path.resolve("docs/grafana-dashboard.json"), "utf8")) as { panels: Panel[]; templating: { list: { definition?: string }[] } };
// The exposition's families and their extra labels, as prometheus.ts registers them: g(name, help, [labels]).
const source = readFileSync(path.resolve("lib/metrics/prometheus.ts"), "utf8");
const families = new Map([...source.matchAll(/g\("(stoker_\w+)",\s*"(?:[^"\\]|\\.)*"(?:,\s*\[([^\]]*)\])?\)/g)].map((m) => [m[1], ["app", "host", ...(m[2] ?? "").split(",").map((l) => l.trim().replace(/"/g, "")).filter(Boolean)]]));

describe("docs/grafana-dashboard.json", () => {
  const queries = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : []))];

  it("has a panel for each of the issue's questions: traffic, errors, latency, saturation", () => {
    expect(families.size).toBeGreaterThan(15);
    const asked = queries.join("\n");
    for (const name of ["stoker_app_requests_total", "stoker_app_responses_total", "stoker_app_request_duration_seconds", "stoker_app_workers_busy", "stoker_app_workers_idle", "stoker_app_listen_queue"]) expect(asked).toContain(name);
  });

  it("names only metrics the exposition has, filtered by labels they carry", () => {
    const wrong: string[] = [];
    for (const q of queries) {
      for (const m of q.matchAll(/(stoker_\w+)(?:\{([^}]*)\})?/g)) {
        const labels = families.get(m[1]);
        if (!labels) {
          wrong.push(`${m[1]}: no such metric`);
          continue;
        }
        for (const l of (m[2] ?? "").matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) if (!labels.includes(l[1])) wrong.push(`${m[1]}: no label ${l[1]}`);
      }
      for (const by of q.matchAll(/\bby \(([^)]*)\)/g)) for (const l of by[1].split(",").map((x) => x.trim())) if (!["app", "host", "class", "quantile", "slot"].includes(l)) wrong.push(`by ${l}`);
    }
    expect(wrong).toEqual([]);
  });
});
