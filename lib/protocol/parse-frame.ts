// Parses one text frame (WebSocket message, control-socket line) with a schema: JSON errors and
// schema errors come back the same way, with a short reason naming the field.
import type * as z from "zod";

export type Frame<T> = { ok: true; value: T } | { ok: false; why: string };

export function parseFrame<S extends z.ZodType>(schema: S, text: string): Frame<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, why: "not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, why: issue ? `${issue.path.join(".") || "(message)"}: ${issue.message}` : "invalid" };
}
