// The read-only log operations of the agent: history search, tail by position, and raw chunks for download.
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { type AgentOp, err, ok, type Result } from "../../lib/protocol";
import { closeLogFiles, openLogFiles } from "../logs/log-files";
import { readSince, readTail } from "../logs/read-positions";
import { searchLogs } from "../logs/search";

type LogOp = Extract<AgentOp, { op: "logs.query" | "logs.tail" | "logs.since" | "logs.files" | "logs.chunk" | "logs.follow" }>;

const STREAMS = { stdout: "out", stderr: "err", webserver: "web" } as const;

export async function readLogOp(dir: string, op: AgentOp): Promise<Result<unknown>> {
  switch ((op as LogOp).op) {
    case "logs.query": {
      const { query } = op as Extract<LogOp, { op: "logs.query" }>;
      return searchLogs(dir, {
        pid: query.process,
        stream: query.stream ? STREAMS[query.stream] : undefined,
        q: query.q,
        regex: query.regex,
        level: query.level,
        since: query.since,
        until: query.until,
        cursor: query.cursor ?? null,
        limit: query.limit,
      });
    }
    case "logs.tail":
      return ok({ lines: await readTail(dir, (op as Extract<LogOp, { op: "logs.tail" }>).limit) });
    case "logs.since": {
      const { afterSeq, limit } = op as Extract<LogOp, { op: "logs.since" }>;
      return ok(await readSince(dir, afterSeq, limit));
    }
    case "logs.files": {
      const files = await openLogFiles(dir);
      await closeLogFiles(files);
      return ok(files.map((f) => ({ name: path.basename(f.path), size: f.size })));
    }
    case "logs.chunk": {
      const { name, offset, length } = op as Extract<LogOp, { op: "logs.chunk" }>;
      const file = path.join(dir, name);
      const size = (await stat(file).catch(() => null))?.size ?? 0;
      if (offset >= size) return ok({ data: "", eof: true });
      const handle = await open(file, "r");
      try {
        const buf = Buffer.alloc(Math.min(length, size - offset));
        await handle.read(buf, 0, buf.length, offset);
        // base64: a chunk boundary may split a UTF-8 character.
        return ok({ data: buf.toString("base64"), eof: offset + buf.length >= size });
      } finally {
        await handle.close();
      }
    }
    default:
      return err("BAD_REQUEST", "Unknown log operation.");
  }
}
