// The read-only log operations of the agent: history search, tail by position, and chunks of text for download.
import path from "node:path";
import { type AgentOp, err, ok, type Result } from "../../lib/protocol";
import { closeLogFiles, openLogFiles } from "../logs/log-files";
import { readRange, readSince, readTail } from "../logs/read-positions";
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
      const { fromSeq, untilSeq, length } = op as Extract<LogOp, { op: "logs.chunk" }>;
      return ok(await readRange(dir, fromSeq, length, untilSeq));
    }
    default:
      return err("BAD_REQUEST", "Unknown log operation.");
  }
}
