// Stable identity of a traceback: the same bug hit with other ids, numbers, addresses or times
// gets the same fingerprint; a different exception type, message shape or call path does not.
import { createHash } from "node:crypto";
import type { ParsedTraceback } from "./traceback-parsers";

// Order matters: wider shapes (timestamps, uuids) must go before the digit rule eats their parts.
const VOLATILE: Array<[RegExp, string]> = [
  [/\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, "<ts>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\b0x[0-9a-f]+\b/gi, "<addr>"],
  [/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "<q>"],
  // Hex-looking ids (hashes, request ids) need a digit and a letter, so plain words survive.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>"],
  [/\d+(?:\.\d+)*/g, "<n>"],
  [/\s+/g, " "],
];

/** The message with its volatile parts replaced by placeholders. */
export function normalizeMessage(message: string): string {
  let out = message;
  for (const [pattern, placeholder] of VOLATILE) out = out.replace(pattern, placeholder);
  return out.trim();
}

/** A short hex hash of type + normalized message + the call path (files and functions, not line numbers). */
export function fingerprint(event: ParsedTraceback): string {
  const path: string[] = [];
  for (const f of event.frames) {
    const step = `${normalizeMessage(f.file)}:${normalizeMessage(f.func)}`;
    // Recursion depth varies between hits of one bug: repeated frames count once.
    if (path[path.length - 1] !== step) path.push(step);
  }
  const key = JSON.stringify([event.language, event.type, normalizeMessage(event.message), path]);
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}
