import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchema, SQLITE_SCHEMA } from "./pg-schema.mjs";

describe("the PostgreSQL copy of the schema", () => {
  const source = readFileSync(SQLITE_SCHEMA, "utf8");
  const copy = postgresSchema(source);

  it("changes only the provider and where its client is generated", () => {
    expect(copy).toMatch(/datasource db \{\s*provider = "postgresql"/);
    expect(copy).toMatch(/output\s*= "\.\.\/prisma-pg"/);
    const models = (t: string) => t.match(/^model \w+ \{[\s\S]*?^\}/gm);
    expect(models(copy)).toEqual(models(source));
  });

  it("refuses a source whose datasource or output it does not recognise, instead of copying it unchanged", () => {
    expect(() => postgresSchema(source.replace('provider = "sqlite"', 'provider = "mysql"'))).toThrow(/sqlite datasource/);
    expect(() => postgresSchema(source.replace("../generated/prisma", "../elsewhere"))).toThrow();
  });
});
