// How many bytes may enter the control plane at each boundary. One table, read by parse-body,
// the upload and webhook routes, and both WebSocket servers (STYLE §6.9: limits live where bytes enter).
import { ARCHIVE_MAX_BYTES } from "../protocol/deploy-messages";

export const LIMITS = {
  /** Any JSON route body (app specs with their env are the largest legitimate ones). */
  jsonBody: 1 << 20,
  /** The deploy-on-push webhook: only the signature and a few fields matter. */
  webhookBody: 1 << 20,
  /** A multipart upload: the archive plus its envelope. */
  uploadBody: ARCHIVE_MAX_BYTES + (64 << 10),
  /** One /ws/ui frame from a browser (follow, terminal input, resize). */
  uiFrame: 64 << 10,
  /** One /ws/agent frame (a batch of log lines, a reply with a config file or a chunk of logs). */
  agentFrame: 16 << 20,
} as const;
