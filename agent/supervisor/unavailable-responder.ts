// While an app has no live process, the agent answers on the app's socket itself: every FastCGI
// request gets `Status: 503` and a short page naming the app and its state, so the web server
// answers at once instead of queueing until it times out (DESIGN decision 11). It accepts only
// while started, and stop() ends accepting at once: what is queued then is left to the processes.
import { createServer, type Server, type Socket } from "node:net";
import { encodeRecord, RecordDecoder, RecordType } from "../fastcgi/records";
import { dupFd, setBlocking } from "../native";

const MAX_REQUEST_BYTES = 1 << 20; // a request body is not read, only skipped up to this much
const IDLE_MS = 5000;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page's sentence before the state: how the doctor tells this page from an app's own 503. */
export const UNAVAILABLE_MARK = "The app has no running process";

/** The response a web server relays: no details beyond the app's name and state. */
export function unavailableResponse(appName: string, state: string): Buffer {
  const name = escapeHtml(appName);
  const body =
    `<!doctype html><html><head><meta charset="utf-8"><title>${name} is unavailable</title></head>` +
    `<body><h1>${name} is unavailable</h1><p>${UNAVAILABLE_MARK} (${escapeHtml(state)}). Try again shortly.</p></body></html>\n`;
  return Buffer.from(
    `Status: 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nRetry-After: 5\r\nCache-Control: no-store\r\n\r\n${body}`,
  );
}

function answer(conn: Socket, page: () => Buffer): void {
  const decoder = new RecordDecoder();
  let seen = 0;
  conn.setTimeout(IDLE_MS, () => conn.destroy());
  conn.on("error", () => conn.destroy());
  conn.on("data", (data: Buffer) => {
    seen += data.length;
    if (seen > MAX_REQUEST_BYTES) return void conn.destroy();
    for (const record of decoder.push(data)) {
      // The response is sent once the request's parameters are complete; its body is not needed.
      if (record.type !== RecordType.PARAMS || record.content.length !== 0) continue;
      const end = Buffer.alloc(8); // appStatus 0, FCGI_REQUEST_COMPLETE
      conn.end(
        Buffer.concat([
          encodeRecord(RecordType.STDOUT, record.requestId, page()),
          encodeRecord(RecordType.STDOUT, record.requestId),
          encodeRecord(RecordType.END_REQUEST, record.requestId, end),
        ]),
      );
      return;
    }
  });
}

export class UnavailableResponder {
  private server: Server | null = null;
  private listenFd = -1;

  constructor(private page: () => Buffer) {}

  get active(): boolean {
    return this.server !== null;
  }

  /** Starts answering on listening socket `listenFd` (through a duplicate: the socket stays the app's). */
  start(listenFd: number): void {
    if (this.server) return;
    this.listenFd = listenFd;
    const server = createServer((conn) => answer(conn, this.page));
    server.on("error", () => this.stop());
    server.listen({ fd: dupFd(listenFd), backlog: 1024 });
    this.server = server;
  }

  /** Stops accepting at once (before any process that could accept starts). Answers under way finish. */
  stop(): void {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.close(); // closes the duplicate synchronously: no accept after this line
    // libuv made the socket non-blocking, a flag the processes that get it as fd 0 share; they expect it blocking.
    setBlocking(this.listenFd);
  }
}
