import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { markPure, pureSchemas } from "./pure-schemas.mjs";

/** lib/protocol bundled (zod and croner inside) and imported: its exports, built with or without the plugin. */
async function protocol(plugins: (typeof pureSchemas)[], entry = "export * from './lib/protocol';"): Promise<{ text: string; mod: Record<string, unknown> }> {
  const out = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: "ts" }, bundle: true, platform: "node", format: "esm", write: false, plugins, logLevel: "silent" });
  const text = out.outputFiles[0].text;
  return { text, mod: await import(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`) };
}

describe("markPure", () => {
  it("wraps each top-level const's initializer in a pure call, whatever its length, keeping a trailing comment", () => {
    const src = ["const A = z.string(); // why", "export const B = z", "  .object({", "    a: A,", "  })", "  .strict();", "", "function f() {", "  const C = z.number();", "}"].join("\n");
    expect(markPure(src).split("\n")).toEqual([
      "const A = /* @__PURE__ */ (() => (z.string()))(); // why",
      "export const B = /* @__PURE__ */ (() => (z",
      "  .object({",
      "    a: A,",
      "  })",
      "  .strict()))();",
      "",
      "function f() {",
      "  const C = z.number();", // not top level: left alone
      "}",
    ]);
  });

  it("leaves literals alone and refuses a statement whose end it cannot find", () => {
    const src = 'export const N = 10 << 20;\nconst RE = /^a$/;\nconst S = "x";\nconst T: readonly string[] = ["a"] as const;';
    expect(markPure(src)).toBe(src.replace('= ["a"] as const;', '= /* @__PURE__ */ (() => (["a"] as const))();'));
    expect(() => markPure("const A = z.object({\n  a: z.string(),\n})\nconst B = 1;")).toThrow(/no end found .* line 1/);
  });
});

describe("the pure-schemas build step on lib/protocol", () => {
  it("keeps every export of the protocol, each the same kind of value and the same schema", async () => {
    const [plain, marked] = await Promise.all([protocol([]), protocol([pureSchemas])]);
    expect(Object.keys(marked.mod).sort()).toEqual(Object.keys(plain.mod).sort());
    for (const [name, value] of Object.entries(plain.mod)) {
      const other = marked.mod[name];
      expect(typeof other, name).toBe(typeof value);
      const def = (v: unknown) => (v as { _zod?: { def: { type: string } } })?._zod?.def.type;
      expect(def(other), name).toBe(def(value));
    }
    const spec = { name: "shop", command: ["/usr/bin/php-cgi"], socket: { path: "/run/stoker/shop.sock" }, schedules: [{ name: "n", cron: "30 2 30 2 *", command: ["x"] }] };
    const parse = (m: Record<string, unknown>) => (m.AppSpecSchema as { safeParse(v: unknown): unknown }).safeParse(spec);
    expect(JSON.stringify(parse(marked.mod))).toBe(JSON.stringify(parse(plain.mod)));
  });

  it("lets the bundler leave out the schemas a bundle does not use", async () => {
    const entry = "import { AppSpecSchema } from './lib/protocol'; export default AppSpecSchema;";
    const [plain, marked] = await Promise.all([protocol([], entry), protocol([pureSchemas], entry)]);
    expect(plain.text).toContain("SmtpSettingsSchema"); // the alerts' SMTP settings: dashboard only
    expect(marked.text).not.toContain("SmtpSettingsSchema");
    expect(marked.text).toContain("AppSpecSchema");
  });
});
