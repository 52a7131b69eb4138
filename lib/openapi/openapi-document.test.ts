// The OpenAPI document against the route handlers on disk: every method of every route under
// app/api/v1 is documented, and the notification contracts named in issue #19 carry their fields.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi-document";

const ROOT = path.resolve("app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** "METHOD /path/{param}" for each handler a route file exports, with the 201/202 its code answers. */
function routesOnDisk(): { route: string; codes: string[] }[] {
  const out: { route: string; codes: string[] }[] = [];
  for (const f of readdirSync(ROOT, { recursive: true, encoding: "utf8" })) {
    if (path.basename(f) !== "route.ts") continue;
    const src = readFileSync(path.join(ROOT, f), "utf8");
    const route = `/${path.dirname(f)}`.replace(/\/\.$/, "").replace(/\[(\w+)\]/g, "{$1}");
    // Each handler's text runs from its export to the next one.
    const parts = src.split(/(?=^export )/m);
    for (const m of METHODS) {
      const part = parts.find((p) => new RegExp(`^export (const|async function|function) ${m}\\b`).test(p));
      if (part) out.push({ route: `${m} ${route}`, codes: [...new Set(part.match(/\b20[12]\b/g) ?? [])].sort() });
    }
  }
  return out.sort((a, b) => a.route.localeCompare(b.route));
}

type Schema = { type?: string; properties?: Record<string, Schema & { enum?: string[]; items?: Schema }>; required?: string[] };
type Doc = { paths: Record<string, Record<string, { requestBody?: { content: { "application/json": { schema: Schema } } }; responses: Record<string, { content?: { "application/json": { schema: Schema } } }> }>> };

describe("the OpenAPI document", () => {
  const doc = openApiDocument() as unknown as Doc;

  it("documents every method of every route under /api/v1", () => {
    const routes = routesOnDisk();
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes.filter(({ route }) => {
      const [method, p] = route.split(" ") as [string, string];
      return !doc.paths[p]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it("gives each operation the success code its handler answers (201 for a create, 202 for a started deployment)", () => {
    const wrong = routesOnDisk().flatMap(({ route, codes }) => {
      const [method, p] = route.split(" ") as [string, string];
      const documented = Object.keys(doc.paths[p]?.[method.toLowerCase()]?.responses ?? {}).filter((c) => c !== "default" && c !== "200");
      return documented.sort().join() === codes.join() ? [] : [`${route}: answers ${codes.join() || "200"}, documented ${documented.join() || "200"}`];
    });
    expect(wrong).toEqual([]);
  });

  it("has the channel contract: POST /notifications/channels {name, kind: webhook, url} answered with an id", () => {
    const op = doc.paths["/notifications/channels"]?.post;
    const body = op?.requestBody?.content["application/json"].schema;
    expect(body?.required?.sort()).toEqual(["kind", "name"]);
    expect(body?.properties?.kind?.enum).toContain("webhook");
    expect(Object.keys(body?.properties ?? {})).toEqual(expect.arrayContaining(["name", "kind", "url"]));
    const answer = op?.responses["201"]?.content?.["application/json"].schema;
    expect(answer?.required).toContain("id");
  });

  it("has the rule contract: POST /notifications/rules {name, event: app.fatal, channelIds, appId?} answered with an id", () => {
    const op = doc.paths["/notifications/rules"]?.post;
    const body = op?.requestBody?.content["application/json"].schema;
    expect(body?.required?.sort()).toEqual(["channelIds", "event", "name"]);
    expect(body?.properties?.event?.enum).toContain("app.fatal");
    expect(body?.properties?.channelIds?.type).toBe("array");
    expect(body?.properties?.appId).toBeDefined();
    const answer = op?.responses["201"]?.content?.["application/json"].schema;
    expect(answer?.required).toContain("id");
  });

  it("documents GET /metrics for the viewer role", () => {
    expect(JSON.stringify(doc.paths["/metrics"]?.get)).toContain("viewer");
  });
});
