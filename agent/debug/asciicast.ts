// asciicast v2 recordings of debug sessions: a JSON header line, then `[seconds, kind, data]`
// lines ("o" output, "i" input, "r" resize). Written as the session runs; read back for playback.
import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import {
  type AsciicastEvent,
  AsciicastEventSchema,
  type AsciicastHeader,
  AsciicastHeaderSchema,
  type AsciicastRecording,
  err,
  ok,
  type Result,
} from "../../lib/protocol";

export class AsciicastWriter {
  private readonly out: WriteStream;
  private readonly startedAt = performance.now();
  private closed: Promise<void> | null = null;

  constructor(file: string, header: AsciicastHeader) {
    // 0600: a recording holds everything typed, which may include secrets.
    this.out = createWriteStream(file, { flags: "w", mode: 0o600 });
    this.out.on("error", () => {}); // a full disk must not take the session down with it
    this.out.write(`${JSON.stringify(header)}\n`);
  }

  event(kind: AsciicastEvent[1], data: string): void {
    if (this.closed) return;
    const t = Math.round(performance.now() - this.startedAt) / 1000;
    this.out.write(`${JSON.stringify([t, kind, data])}\n`);
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.out.end(() => resolve());
      this.out.once("error", () => resolve());
    });
    return this.closed;
  }
}

export function readRecording(file: string): Result<AsciicastRecording> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return err("NOT_FOUND", "The recording does not exist.");
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const parseLine = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      return undefined;
    }
  };
  const header = AsciicastHeaderSchema.safeParse(parseLine(lines[0] ?? ""));
  if (!header.success) return err("FAILED", "The recording has no valid asciicast v2 header.");
  const events: AsciicastEvent[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const ev = AsciicastEventSchema.safeParse(parseLine(line));
    if (!ev.success) return err("FAILED", `Line ${i + 2} of the recording is not a valid asciicast event.`);
    events.push(ev.data);
  }
  return ok({ header: header.data, events });
}
