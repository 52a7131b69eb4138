// How process output is shaped for the app's log: the longest line stored whole (longer ones are
// cut), CR LF line ends, how many lines a chunk holds, and how the agent's own notes read.
export const MAX_LINE = 16 * 1024;
const TRUNCATED = Buffer.from("…[truncated]").toString("latin1");

export function countLines(bytes: Buffer): number {
  let n = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}

/** True if a line may be longer than MAX_LINE: a cheap probe every MAX_LINE/2 bytes rules it out. */
export function mayHaveLongLine(bytes: Buffer): boolean {
  const step = MAX_LINE / 2;
  for (let at = 0; at < bytes.length; at += step) if (bytes.indexOf(10, at) - at > step) return true;
  return false;
}

/**
 * The bytes as stored when they are not stored exactly as written: CRLF line ends become LF and
 * lines longer than MAX_LINE are cut. Lines are handled as latin1 strings (one char per byte):
 * exact for any encoding.
 */
export function normalize(bytes: Buffer): Buffer {
  const lines = bytes.toString("latin1").replaceAll("\r\n", "\n").slice(0, -1).split("\n");
  return Buffer.from(`${lines.map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) + TRUNCATED : l)).join("\n")}\n`, "latin1");
}

/** How a line written by the agent itself about an app reads in the app's log. */
export function noteLine(text: string): string {
  return `[stoker] ${text.replace(/[\r\n]+/g, " ")}\n`;
}
