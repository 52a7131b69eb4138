// Reads and validates a JSON body; a bad body is a 400 that names the fields.
import type * as z from "zod";
import { fieldErrors } from "../protocol";
import { err, ok, type Result } from "../result";

export async function parseBody<S extends z.ZodType>(req: Request, schema: S): Promise<Result<z.infer<S>>> {
  let json: unknown;
  try {
    const text = await req.text();
    json = text ? JSON.parse(text) : {};
  } catch {
    return err("BAD_REQUEST", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    return err("BAD_REQUEST", `Invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, { fields });
  }
  return ok(parsed.data);
}

export function parseQuery<S extends z.ZodType>(req: Request, schema: S): Result<z.infer<S>> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    return err("BAD_REQUEST", `Invalid query: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, { fields });
  }
  return ok(parsed.data);
}
