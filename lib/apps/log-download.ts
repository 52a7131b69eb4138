// A log download as a stream: a snapshot of the log as it stood when the download began, read by
// position (seq) so rotation cannot shift it onto another file. Lines that rotation drops before
// the download reaches them are named, in the text, where they were. No I/O of its own: chunks come
// from `readChunk` (the agent's logs.chunk).
import type { LogChunk, Result } from "../protocol";

export type ReadChunk = (fromSeq: number, untilSeq?: number) => Promise<Result<LogChunk>>;

export function skippedNote(bytes: number): string {
  return `${new Date().toISOString()} 0 err [stoker] ${bytes} bytes of this log were rotated away while it was being downloaded; they are missing here\n`;
}

export async function logDownloadStream(readChunk: ReadChunk): Promise<Result<ReadableStream<Uint8Array>>> {
  const first = await readChunk(0);
  if (!first.ok) return first;
  const until = first.value.end; // the snapshot: what was stored when the download began
  let pending: LogChunk | null = first.value; // its `skipped` was rotated away before the download: not missed by it
  let seq = 0;
  return {
    ok: true,
    value: new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk = pending;
        pending = null;
        if (!chunk) {
          if (seq >= until) return controller.close();
          const r = await readChunk(seq, until);
          if (!r.ok) return controller.error(new Error(r.message));
          chunk = r.value;
          if (chunk.skipped) controller.enqueue(new TextEncoder().encode(skippedNote(chunk.skipped)));
        }
        const bytes = Buffer.from(chunk.data, "base64");
        // No progress means nothing more to read (an unterminated last line): end rather than loop.
        const stuck = seq > 0 && chunk.next <= seq;
        seq = Math.max(chunk.next, seq);
        if (bytes.length) controller.enqueue(new Uint8Array(bytes));
        if (stuck || seq >= until) controller.close();
      },
    }),
  };
}
