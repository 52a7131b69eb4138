// Log lines, history queries and traceback groups as they cross the wire.
import * as z from "zod";

export const LogStreamSchema = z.enum(["out", "err", "web"]);
export const LogLineSchema = z.object({
  ts: z.string(),
  pid: z.number().int(),
  stream: LogStreamSchema,
  text: z.string(),
  seq: z.number().int().optional(),
});
export type WireLogLine = z.infer<typeof LogLineSchema>;

/**
 * The agent's answer to logs.chunk: rendered lines (base64), the seq where the next chunk starts,
 * the bytes before `fromSeq` that rotation had already dropped, and where the stored log ends now.
 */
export const LogChunkSchema = z.object({ data: z.string(), next: z.number().int().min(0), skipped: z.number().int().min(0), end: z.number().int().min(0) });
export type LogChunk = z.infer<typeof LogChunkSchema>;

/** History filters (query string of GET /apps/{id}/logs). `stream=webserver` is the web server's error log. */
export const LogQuerySchema = z.strictObject({
  process: z.coerce.number().int().min(1).optional(),
  stream: z.enum(["stdout", "stderr", "webserver"]).optional(),
  q: z.string().max(500).optional(),
  regex: z.string().max(512).optional(),
  level: z.enum(["error", "warning", "info", "debug"]).optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type LogQuery = z.infer<typeof LogQuerySchema>;

export const LogPageSchema = z.object({ lines: z.array(LogLineSchema), nextCursor: z.string().nullable() });

export const TracebackGroupSchema = z.object({
  fingerprint: z.string(),
  language: z.string(),
  type: z.string(),
  message: z.string(),
  count: z.number().int(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  sample: z.string(),
  pids: z.array(z.number().int()),
  buckets: z.array(z.number().int()),
});
export type TracebackGroupView = z.infer<typeof TracebackGroupSchema>;

export const LogFileInfoSchema = z.object({ name: z.string(), size: z.number().int() });
