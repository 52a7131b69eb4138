// An app's logs and tracebacks, read from its agent (the control plane keeps no copy of logs).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import { LogChunkSchema, LogPageSchema, type LogQuery, TracebackGroupSchema, type TracebackGroupView } from "../protocol";
import { err, ok, type Result } from "../result";
import { logDownloadStream } from "./log-download";

async function hostOf(appId: string): Promise<Result<string>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
  return app ? ok(app.hostId) : err("NOT_FOUND", "That app does not exist.");
}

export async function queryLogs(appId: string, query: LogQuery) {
  const host = await hostOf(appId);
  if (!host.ok) return host;
  const page = await agentHub().call(host.value, { op: "logs.query", appId, query }, 30_000);
  if (!page.ok) return page;
  const parsed = LogPageSchema.safeParse(page.value);
  if (!parsed.success) return err("INTERNAL", "The agent sent a malformed log page.");
  // `web` is the web server's error-log stream on the wire; the API calls it webserver.
  const streamName = { out: "stdout", err: "stderr", web: "webserver" } as const;
  return ok({ lines: parsed.data.lines.map((l) => ({ ts: l.ts, pid: l.pid, stream: streamName[l.stream], text: l.text })), nextCursor: parsed.data.nextCursor });
}

export async function listTracebacks(appId: string): Promise<Result<TracebackGroupView[]>> {
  const host = await hostOf(appId);
  if (!host.ok) return host;
  const groups = await agentHub().call(host.value, { op: "tracebacks.list", appId }, 15_000);
  if (!groups.ok) return groups;
  const parsed = TracebackGroupSchema.array().safeParse(groups.value);
  return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent malformed traceback groups.");
}

/** The whole history, oldest first, streamed from the agent 1 MB at a time (see logDownloadStream). */
export async function downloadLogs(appId: string): Promise<Result<ReadableStream<Uint8Array>>> {
  const host = await hostOf(appId);
  if (!host.ok) return host;
  const hostId = host.value;
  return logDownloadStream(async (fromSeq, untilSeq) => {
    const chunk = await agentHub().call(hostId, { op: "logs.chunk", appId, fromSeq, untilSeq, length: 1 << 20 }, 30_000);
    if (!chunk.ok) return chunk;
    const parsed = LogChunkSchema.safeParse(chunk.value);
    return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent a malformed log chunk.");
  });
}
