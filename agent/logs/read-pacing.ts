// When the log ingest reads a pipe again. A quiet pipe is read the moment it has output, so a
// live tail sees each line at once. A flooding one is left to fill for a moment first: reads are fewer
// and larger, with fewer batches to store and hand over, and the writer is not woken up for each one.

export const MIN_READ = 64 * 1024; // one full pipe read: output that fills it is a flood
// A flooding pipe is left to fill to about a quarter of its capacity before the next read, for at most this long.
const MAX_FLOOD_PAUSE_MS = 1;
const MIN_FLOOD_PAUSE_MS = 0.2;
// Output arriving faster than this (~15,000 lines/s) is a flood too, however little each read gets: a
// process writing line by line (a logger that flushes every record) would otherwise cost a wake-up and a
// read per line, on both sides of the pipe.
const FLOOD_BYTES_PER_MS = 1024;

/**
 * How long (ms) to let a pipe fill before reading it again, after a read of `bytes` that came
 * `sinceLastReadMs` after the one before; 0 to read it as soon as it has output.
 */
export function pauseAfterRead(bytes: number, sinceLastReadMs: number, pipeCapacity: number): number {
  const bytesPerMs = bytes / Math.max(0.01, sinceLastReadMs);
  if (bytes < MIN_READ && bytesPerMs < FLOOD_BYTES_PER_MS) return 0;
  const pause = Math.min(MAX_FLOOD_PAUSE_MS, pipeCapacity / 4 / bytesPerMs);
  return pause >= MIN_FLOOD_PAUSE_MS ? pause : 0;
}
