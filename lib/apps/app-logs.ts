// An app's logs and tracebacks, read from its agent (the control plane keeps no copy of logs).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import { LogChunkSchema, LogPageSchema, type LogQuery, TracebackGroupSchema, type TracebackGroupView } from "../protocol";
import { err, ok, type Result } from "../result";

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

/** The whole history, oldest first, streamed from the agent 1 MB at a time. */
export async function downloadLogs(appId: string): Promise<Result<ReadableStream<Uint8Array>>> {
  const host = await hostOf(appId);
  if (!host.ok) return host;
  const files = await agentHub().call(host.value, { op: "logs.files", appId }, 15_000);
  if (!files.ok) return files;
  const names = (files.value as { name: string; size: number }[]).map((f) => f.name);
  const hostId = host.value;
  let index = 0;
  let offset = 0;
  return ok(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (index >= names.length) return controller.close();
        const chunk = await agentHub().call(hostId, { op: "logs.chunk", appId, name: names[index], offset, length: 1 << 20 }, 30_000);
        if (!chunk.ok) return controller.error(new Error(chunk.message));
        const parsed = LogChunkSchema.safeParse(chunk.value);
        if (!parsed.success) return controller.error(new Error("The agent sent a malformed log chunk."));
        const { data, next, eof } = parsed.data;
        const bytes = Buffer.from(data, "base64");
        offset = next; // the text is rendered from the file's bytes, so its length is not the step
        if (eof) {
          index++;
          offset = 0;
        }
        if (bytes.length) controller.enqueue(new Uint8Array(bytes));
      },
    }),
  );
}
