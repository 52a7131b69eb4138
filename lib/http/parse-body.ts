// Reads request bodies: the one place bytes from a client are counted (as they stream, whether or
// not Content-Length was sent) and a body over its route's limit becomes a clear 413. A refused body
// is drained, never reset: the client then reads the 413 instead of ECONNRESET. JSON bodies also
// need a JSON content type, so no cross-site form or "simple" request can post one (login CSRF).
import type * as z from "zod";
import { fieldErrors } from "../protocol";
import { err, ok, type Result } from "../result";
import { LIMITS } from "./limits";

// After a refusal, read and drop at most this much (or for this long) so the 413 reaches the client;
// a client still sending after that is cut off.
const DRAIN_MAX = 64 << 20;
const DRAIN_MS = 15_000;

const tooLarge = (limit: number) =>
  err("TOO_LARGE", `The request body is larger than ${limit >= 1 << 20 ? `${Math.round(limit / (1 << 20))} MiB` : `${Math.round(limit / 1024)} KiB`}; nothing was read from it.`);

function drain(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  const deadline = Date.now() + DRAIN_MS;
  let seen = 0;
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        seen += value.byteLength;
        if (seen > DRAIN_MAX || Date.now() > deadline) return void (await reader.cancel());
      }
    } catch {
      // the client went away: nothing left to drain
    }
  })();
}

/** The whole body, or TOO_LARGE as soon as it passes `limit` bytes (declared or counted). */
export async function readBody(req: Request, limit: number): Promise<Result<Buffer>> {
  if (!req.body) return ok(Buffer.alloc(0));
  const reader = req.body.getReader();
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    drain(reader);
    return tooLarge(limit);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch {
      return err("BAD_REQUEST", "The request body could not be read (the client went away?).");
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > limit) {
      drain(reader);
      return tooLarge(limit);
    }
    chunks.push(step.value);
  }
  return ok(Buffer.concat(chunks, total));
}

function isJsonType(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Reads and validates a JSON body; a bad body is a 400 that names the fields. */
export async function parseBody<S extends z.ZodType>(req: Request, schema: S, limit: number = LIMITS.jsonBody): Promise<Result<z.infer<S>>> {
  const raw = await readBody(req, limit);
  if (!raw.ok) return raw;
  let json: unknown = {};
  if (raw.value.length > 0) {
    if (!isJsonType(req.headers.get("content-type"))) return err("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON, with Content-Type: application/json.");
    try {
      json = JSON.parse(raw.value.toString("utf8"));
    } catch {
      return err("BAD_REQUEST", "The request body is not valid JSON.");
    }
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
